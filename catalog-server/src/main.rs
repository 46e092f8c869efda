//! The `lakecat` command.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use lakecat_catalog::crawlers::DeleteBehavior;
use lakecat_server::config::{FileConfig, ServeConfig};
use lakecat_server::crawl_command::CrawlCommand;

/// lakecat: a self-hosted data catalog and crawler with AWS Glue semantics.
#[derive(Debug, Parser)]
#[command(name = "lakecat", version, about)]
struct Cli {
    /// Log format.
    #[arg(long, global = true, env = "LAKECAT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the catalog's REST API.
    Serve {
        /// TOML config file with any of `listen`, `database_url`, `max_connections`,
        /// `glue_access_keys`, `scheduler_interval_seconds`, `crawl_lease_seconds`,
        /// `allowed_roots`, `tokens`, `request_timeout_seconds`,
        /// `client_timeout_seconds`, `max_http_connections`, `max_body_memory_mib`,
        /// `metastore_listen`, `metastore_role` and `iceberg_metadata_location`.
        #[arg(long, env = "LAKECAT_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on [default: 127.0.0.1:8088].
        #[arg(long, env = "LAKECAT_LISTEN")]
        listen: Option<String>,
        /// Catalog database: `sqlite://FILE?mode=rwc` or `postgres://...`
        /// [default: sqlite://lakecat.db?mode=rwc].
        #[arg(long, env = "LAKECAT_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// Most database connections [default: 8].
        #[arg(long, env = "LAKECAT_MAX_CONNECTIONS")]
        max_connections: Option<u32>,
        /// Access keys of the Glue-compatible API, `ACCESS_KEY_ID:SECRET,...`; when set,
        /// Glue requests must carry a valid SigV4 signature of one of them.
        #[arg(long, env = "LAKECAT_GLUE_ACCESS_KEYS", hide_env_values = true)]
        glue_access_keys: Option<String>,
        /// Seconds between the scheduler's looks for due crawls and for crawls whose server
        /// died [default: 5].
        #[arg(long, env = "LAKECAT_SCHEDULER_INTERVAL")]
        scheduler_interval: Option<u64>,
        /// Seconds without a heartbeat after which a running crawl counts as dead, is
        /// recorded FAILED and is run again by a scheduler [default: 60; at least 10].
        #[arg(long, env = "LAKECAT_CRAWL_LEASE")]
        crawl_lease: Option<u64>,
        /// An object-store prefix or local folder crawl targets must lie in (repeatable; the
        /// environment variable takes a comma-separated list) [default: anywhere].
        #[arg(
            long = "allowed-root",
            env = "LAKECAT_ALLOWED_ROOTS",
            value_delimiter = ','
        )]
        allowed_roots: Vec<String>,
        /// Bearer tokens of the REST API, `NAME:ROLE:SHA256,...` with each token's SHA-256
        /// digest (see `lakecat token`); roles are reader, editor and admin. Requests need a
        /// token when any is set, and always when listening beyond loopback.
        #[arg(long, env = "LAKECAT_TOKENS", hide_env_values = true)]
        tokens: Option<String>,
        /// Seconds a request may take before it is cut off with a 503 [default: 60].
        #[arg(long, env = "LAKECAT_REQUEST_TIMEOUT")]
        request_timeout: Option<u64>,
        /// Seconds a client may stall: sending a request's headers, idle on a kept-alive
        /// connection, or not reading a response [default: 30].
        #[arg(long, env = "LAKECAT_CLIENT_TIMEOUT")]
        client_timeout: Option<u64>,
        /// Most HTTP connections open at once; further clients wait in the listen backlog
        /// until one closes [default: 512].
        #[arg(long, env = "LAKECAT_MAX_HTTP_CONNECTIONS")]
        max_http_connections: Option<usize>,
        /// MiB that request bodies may hold in memory at once; a request whose body does not
        /// fit waits until others finish [default: 64; at least 16, the largest body].
        #[arg(long, env = "LAKECAT_MAX_BODY_MEMORY")]
        max_body_memory: Option<usize>,
        /// Serve the Hive Metastore Thrift API (for Spark, Hive, Trino, PyIceberg) on this
        /// address, usually 127.0.0.1:9083 [default: off].
        #[arg(long, env = "LAKECAT_METASTORE_LISTEN")]
        metastore_listen: Option<String>,
        /// What every Thrift client may do, reader or editor; Thrift clients send no
        /// credentials, so listening beyond loopback needs it [default on loopback: editor].
        #[arg(long, env = "LAKECAT_METASTORE_ROLE")]
        metastore_role: Option<String>,
        /// Where Iceberg metadata generated for crawled Parquet, ORC and Avro tables is
        /// written (a URL or an absolute folder) [default: `_lakecat/iceberg/` in each
        /// table's bucket; `./lakecat-iceberg/` for local tables].
        #[arg(long, env = "LAKECAT_ICEBERG_METADATA_LOCATION")]
        iceberg_metadata_location: Option<String>,
    },
    /// Make a new REST API token: prints the token, for the client, and the entry for the
    /// server's configuration, which holds only its digest.
    Token {
        /// A name for the token, shown in logs.
        #[arg(long)]
        name: String,
        /// reader, editor or admin.
        #[arg(long)]
        role: String,
    },
    /// Crawl object-store prefixes or local folders once into the catalog.
    Crawl(CrawlArgs),
    /// Print the REST API's OpenAPI document.
    Openapi,
}

#[derive(Debug, clap::Args)]
struct CrawlArgs {
    /// What to crawl: `s3://bucket/prefix/`, `gs://...`, `az://...`, `file:///path` or a
    /// local folder. S3 settings come from the AWS environment variables and config files
    /// (`AWS_ENDPOINT_URL` for MinIO and other S3-compatible stores).
    #[arg(required = true)]
    targets: Vec<String>,
    /// The database the tables go into (created when missing).
    #[arg(long, short)]
    database: String,
    /// The crawler's name in the catalog [default: lakecat-DATABASE].
    #[arg(long)]
    name: Option<String>,
    /// Catalog database: `sqlite://FILE?mode=rwc` or `postgres://...`
    /// [default: sqlite://lakecat.db?mode=rwc].
    #[arg(long, env = "LAKECAT_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// TOML config file (its `database_url` is used).
    #[arg(long, env = "LAKECAT_CONFIG")]
    config: Option<PathBuf>,
    /// Leave out objects matching this glob (relative to the target; repeatable), with
    /// Glue's glob syntax: `**/tmp/**`, `*.{bak,tmp}`.
    #[arg(long = "exclude")]
    exclusions: Vec<String>,
    /// Files read per folder (1 to 249) [default: all].
    #[arg(long)]
    sample_size: Option<u32>,
    /// Prefix of every table name.
    #[arg(long)]
    table_prefix: Option<String>,
    /// Put tables at this absolute folder depth (the bucket's top folder is 1).
    #[arg(long)]
    table_level: Option<u32>,
    /// One table per format under each target, whatever the schemas.
    #[arg(long)]
    combine_compatible_schemas: bool,
    /// Fail, writing nothing, when more tables than this are found.
    #[arg(long)]
    table_threshold: Option<u32>,
    /// Only report changes to existing tables (Glue's update behaviour LOG).
    #[arg(long)]
    log_updates: bool,
    /// What to do with tables whose data is gone.
    #[arg(long, value_enum, default_value_t = DeleteArg::Deprecate)]
    on_delete: DeleteArg,
    /// Read and plan, print the plan, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the run record (counts, decisions, changes, issues) as JSON.
    #[arg(long)]
    json: bool,
    /// Print why folders became the tables they did.
    #[arg(long)]
    explain: bool,
    /// Objects listed or read at once.
    #[arg(long, default_value_t = lakecat_crawler::crawl::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Seconds after which a crawl of this crawler that stopped saving progress (its
    /// process died) is taken over. A crawl whose process ran on this machine and is gone
    /// is taken over at once.
    #[arg(long, default_value_t = 60)]
    takeover_after: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DeleteArg {
    /// Mark the table DEPRECATED_BY_CRAWLER.
    Deprecate,
    /// Delete the table.
    Delete,
    /// Only report it.
    Log,
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LAKECAT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // Colour only for a person at a terminal: a log written to a file or a pipe (a service
    // manager, a CI log) must not carry escape codes. NO_COLOR turns it off everywhere.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            // One line: the error and its causes, never a backtrace.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `flag` was given as an argument of this process (`--flag VALUE` or
/// `--flag=VALUE`): arguments are visible to every user of the machine.
fn secret_given_as_argument(flag: &str) -> bool {
    std::env::args_os().any(|argument| {
        argument
            .to_str()
            .is_some_and(|a| a == flag || a.strip_prefix(flag).is_some_and(|r| r.starts_with('=')))
    })
}

async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Serve {
            config,
            listen,
            database_url,
            max_connections,
            glue_access_keys,
            scheduler_interval,
            crawl_lease,
            allowed_roots,
            tokens,
            request_timeout,
            client_timeout,
            max_http_connections,
            max_body_memory,
            metastore_listen,
            metastore_role,
            iceberg_metadata_location,
        } => {
            init_logging(cli.log_format);
            if secret_given_as_argument("--glue-access-keys") {
                tracing::warn!(
                    "--glue-access-keys was given on the command line, where other users of \
                     this machine can read it (ps, /proc); prefer LAKECAT_GLUE_ACCESS_KEYS or \
                     the config file's glue_access_keys"
                );
            }
            let file = match config {
                Some(path) => FileConfig::load(&path)?,
                None => FileConfig::default(),
            };
            let explicit = FileConfig {
                listen,
                database_url,
                max_connections,
                glue_access_keys,
                scheduler_interval_seconds: scheduler_interval,
                crawl_lease_seconds: crawl_lease,
                allowed_roots: (!allowed_roots.is_empty()).then_some(allowed_roots),
                tokens,
                request_timeout_seconds: request_timeout,
                client_timeout_seconds: client_timeout,
                max_http_connections,
                max_body_memory_mib: max_body_memory,
                metastore_listen,
                metastore_role,
                iceberg_metadata_location,
            };
            let config = ServeConfig::resolve(explicit, file)?;
            lakecat_server::serve::serve(config).await?;
            Ok(0)
        }
        Command::Crawl(args) => {
            // Progress goes to stderr; logs only when asked for, so they do not mix.
            if std::env::var_os("LAKECAT_LOG").is_some() {
                init_logging(cli.log_format);
            }
            let file = match &args.config {
                Some(path) => FileConfig::load(path)?,
                None => FileConfig::default(),
            };
            let database_url = args
                .database_url
                .or(file.database_url)
                .unwrap_or_else(|| lakecat_catalog::DEFAULT_DATABASE_URL.to_string());
            let command = CrawlCommand {
                database_url,
                targets: args.targets,
                database: args.database,
                name: args.name,
                exclusions: args.exclusions,
                sample_size: args.sample_size,
                table_prefix: args.table_prefix,
                table_level: args.table_level,
                combine_compatible_schemas: args.combine_compatible_schemas,
                table_threshold: args.table_threshold,
                log_updates: args.log_updates,
                delete_behavior: match args.on_delete {
                    DeleteArg::Deprecate => DeleteBehavior::DeprecateInDatabase,
                    DeleteArg::Delete => DeleteBehavior::DeleteFromDatabase,
                    DeleteArg::Log => DeleteBehavior::Log,
                },
                dry_run: args.dry_run,
                json: args.json,
                explain: args.explain,
                concurrency: args.concurrency,
                takeover_after: std::time::Duration::from_secs(args.takeover_after),
            };
            lakecat_server::crawl_command::run(command).await
        }
        Command::Token { name, role } => {
            let role: lakecat_server::Role =
                role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            if name.is_empty() || name.contains([':', ',']) {
                anyhow::bail!("--name must be non-empty, without ':' or ','");
            }
            let token = lakecat_server::new_token();
            println!("token (give it to the client; it is not stored): {token}");
            println!(
                "server entry (tokens / LAKECAT_TOKENS): {name}:{}:{}",
                role.as_str(),
                lakecat_server::token_digest(&token)
            );
            Ok(0)
        }
        Command::Openapi => {
            print!("{}", lakecat_server::openapi_json());
            Ok(0)
        }
    }
}
