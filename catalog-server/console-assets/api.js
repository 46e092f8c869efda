// The console's one way to reach the server: the REST API under /v1, with the bearer token
// (kept in this tab's session storage only) and the server's error shape turned into
// ApiError. When the server answers 401 the user is asked for a token and the call retried.

const TOKEN_KEY = "lakecat.token";

/** A refusal of the REST API: its status, code (INVALID_INPUT, FORBIDDEN, ...) and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let askForToken = async () => null;

/** Sets how the user is asked for a token: `(reason) => Promise<token | null>`. */
export function onTokenNeeded(ask) {
  askForToken = ask;
}

/** Forgets the token (signing out). */
export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  session = null;
}

/** `/v1/` and the segments, each percent-encoded. */
export function v1(...segments) {
  return "/v1/" + segments.map((s) => encodeURIComponent(s)).join("/");
}

/**
 * Calls the REST API: `path` with `query` parameters (empty ones left out) and a JSON `body`.
 * Resolves to the parsed answer (null when it has none); rejects with ApiError.
 */
export async function api(path, { method = "GET", query = {}, body } = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const url = params.size ? `${path}?${params}` : path;
  for (;;) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const answer = text ? safeJson(text) : null;
    if (response.status === 401) {
      const given = await askForToken(answer?.error?.message ?? "This server needs a bearer token.");
      if (given) {
        sessionStorage.setItem(TOKEN_KEY, given);
        session = null;
        continue;
      }
    }
    if (!response.ok) {
      const error = answer?.error ?? {};
      throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`,
        error.message ?? (text || response.statusText));
    }
    return answer;
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

let session = null;

/** The caller's role and whether the server needs credentials (`GET /v1/session`), cached. */
export async function currentSession() {
  if (!session) session = api("/v1/session").catch((e) => { session = null; throw e; });
  return session;
}

const RANKS = { reader: 0, editor: 1, admin: 2 };

/** Whether the current role may do what `needed` may. */
export async function may(needed) {
  const { role } = await currentSession();
  return RANKS[role] >= RANKS[needed];
}
