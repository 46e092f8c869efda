#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the test suite, from the machine's PostgreSQL
# binaries (installed from Debian's packages when missing), in a temporary directory, on a
# free loopback port. Prints the URL to use; `postgres.sh stop DIR` stops it and removes DIR.
#
#   eval "$(scripts/postgres.sh start)"   # sets LAKECAT_TEST_PG_URL and LAKECAT_TEST_PG_DIR
#   scripts/postgres.sh stop "$LAKECAT_TEST_PG_DIR"
#
# The server also speaks TLS (ssl=on), with a certificate for 127.0.0.1 and localhost from a
# certificate authority made up on the spot: LAKECAT_TEST_PG_CA is that authority's
# certificate (for sslmode=verify-full&sslrootcert=...) and LAKECAT_TEST_PG_WRONG_CA another
# authority's, which must be refused. Clients that do not ask for TLS get it when they
# prefer it (sqlx's default) and plain TCP otherwise.
set -euo pipefail

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Writes ca.crt, server.crt and server.key (signed by ca.crt) and wrong-ca.crt into DIR, with
# the openssl command-line tool (which Debian's postgresql package depends on).
make_certs() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=lakecat test CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=another CA" -keyout "$dir/wrong-ca.key" -out "$dir/wrong-ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
  rm -f "$dir/ca.key" "$dir/wrong-ca.key" "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
  chmod 600 "$dir/server.key"
}

start() {
  local bin
  if ! bin=$(find_bin); then
    echo "PostgreSQL server binaries not found; installing them from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
  fi
  local dir port
  dir=$(mktemp -d /tmp/lakecat-pg.XXXXXX)
  chmod 755 "$dir"
  make_certs "$dir/tls"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  local options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300"
  options="$options -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key"
  # Durability off for tests: the server only holds test data, and fsync dominates test time.
  # Benchmarks set LAKECAT_PG_DURABLE=1 to measure with PostgreSQL's defaults.
  if [ "${LAKECAT_PG_DURABLE:-0}" != 1 ]; then
    options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
  echo "export LAKECAT_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
  echo "export LAKECAT_TEST_PG_DIR=$dir"
  echo "export LAKECAT_TEST_PG_CA=$dir/tls/ca.crt"
  echo "export LAKECAT_TEST_PG_WRONG_CA=$dir/tls/wrong-ca.crt"
}

stop() {
  local dir=$1 bin
  bin=$(find_bin)
  [ -d "$dir/data" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
  *) echo "usage: postgres.sh start | stop DIR" >&2; exit 2 ;;
esac
