//! The web console: static HTML, CSS and ES modules compiled into the binary and served
//! under `/` (the page) and `/console/` (its assets). The console is a client of the REST
//! API under `/v1` like any script: it has no routes of its own beyond these files, so that
//! every console action is also scriptable. The files hold no catalog data, so they are
//! served without credentials; the API calls they make carry the user's bearer token.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// One file of the console: its name under `/console/`, media type and content.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    content: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $media_type:literal) => {
        Asset {
            name: $name,
            media_type: $media_type,
            content: include_bytes!(concat!("../../console-assets/", $name)),
        }
    };
}

/// Every file of the console; `index.html` is also the page at `/`.
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("console.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("dom.js", "text/javascript; charset=utf-8"),
    asset!("schema.js", "text/javascript; charset=utf-8"),
    asset!("catalog.js", "text/javascript; charset=utf-8"),
    asset!("crawlers.js", "text/javascript; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
];

/// Whether a request for `path` with `method` asks for a console file, which anyone may
/// read (see `auth::required_role`).
pub(crate) fn is_console_file(method: &axum::http::Method, path: &str) -> bool {
    let reads = method == axum::http::Method::GET || method == axum::http::Method::HEAD;
    reads && (path == "/" || path.starts_with("/console/"))
}

/// The console's routes: `GET /` and `GET /console/{file}`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/console/{file}", get(file))
}

async fn page(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    serve(&name, &headers)
}

/// Answers with the named file, or 304 when the client's copy (`If-None-Match`) is current.
/// Files are revalidated on each use (`no-cache`) with an ETag of their content, so that a
/// new binary's console is picked up at once while an unchanged one costs a 304.
fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return crate::error::ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("the console has no file {name:?}"),
        )
        .into_response();
    };
    let etag = etag_of(asset.content);
    let cache = [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ];
    let current = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    if current {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.media_type),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            // The console loads nothing from elsewhere and runs no inline script.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                     script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
                ),
            ),
        ],
        asset.content,
    )
        .into_response()
}

/// A strong ETag: the first 16 bytes of the content's SHA-256, in hex, quoted.
fn etag_of(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::http::Method;

    #[test]
    fn only_reads_of_the_page_and_its_files_are_console_requests() {
        let cases = [
            (Method::GET, "/", true),
            (Method::HEAD, "/", true),
            (Method::GET, "/console/app.js", true),
            (Method::POST, "/", false),
            (Method::GET, "/consolex", false),
            (Method::GET, "/v1/databases", false),
            (Method::DELETE, "/console/app.js", false),
        ];
        for (method, path, expected) in cases {
            assert_eq!(is_console_file(&method, path), expected, "{method} {path}");
        }
    }

    #[test]
    fn a_current_copy_is_answered_with_304_and_another_with_the_file() {
        let etag = etag_of(ASSETS[0].content);
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, etag.parse().unwrap());
        assert_eq!(
            serve("index.html", &headers).status(),
            StatusCode::NOT_MODIFIED
        );
        headers.insert(header::IF_NONE_MATCH, "\"old\"".parse().unwrap());
        let response = serve("index.html", &headers);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::ETAG], etag.as_str());
        assert_eq!(
            serve("nope.js", &HeaderMap::new()).status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn every_file_the_page_names_is_served() {
        let page = std::str::from_utf8(ASSETS[0].content).unwrap();
        for name in ["console.css", "app.js", "favicon.svg"] {
            assert!(page.contains(&format!("/console/{name}")), "{name}");
        }
        let app = ASSETS.iter().map(|a| a.name).collect::<Vec<_>>();
        for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let text = std::str::from_utf8(asset.content).unwrap();
            for import in text.split("from \"./").skip(1) {
                let name = import.split('"').next().unwrap();
                assert!(
                    app.contains(&name),
                    "{} imports {name}, which is not served",
                    asset.name
                );
            }
        }
    }
}
