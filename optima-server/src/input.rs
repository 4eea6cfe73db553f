//! What every request must satisfy before a handler sees it, decided once for all routes:
//! - a body no larger than `OPTIMA_MAX_BODY_BYTES`: a declared `Content-Length` beyond it is refused
//!   before a byte of the body is read, and a body without one (chunked) is cut off as soon as it
//!   passes the limit; both are a 413 in the error envelope;
//! - no U+0000 in a path or query parameter (PostgreSQL cannot store it in text, and no name,
//!   title or search term needs it): a 400 naming the parameter. JSON bodies are checked the
//!   same way by [`JsonBody`](crate::api::common::JsonBody), with [`nul_paths`].

use futures::StreamExt;
use poem::http::StatusCode;
use poem::{Body, Endpoint, Middleware, Request, Response};

use crate::api::common::{ApiError, ErrorBody, FieldError, error_into_poem};
use crate::routes::ROUTES;

/// The error inside the `io::Error` a limited body yields once it has passed the limit; the
/// error renderer turns it into a 413.
#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than {limit} bytes")]
pub struct BodyTooLarge {
    /// The limit, in bytes.
    pub limit: usize,
}

/// The 413 in the error envelope.
pub fn too_large(limit: usize) -> poem::Error {
    let body = ErrorBody {
        status: StatusCode::PAYLOAD_TOO_LARGE.as_u16(),
        message: format!(
            "The request body is larger than {limit} bytes, the most this server accepts"
        ),
        error: "PayloadTooLarge".into(),
        errors: None,
        successful: false,
    };
    poem::Error::from_response(
        Response::builder()
            .status(StatusCode::PAYLOAD_TOO_LARGE)
            .content_type("application/json")
            .body(serde_json::to_vec(&body).unwrap_or_default()),
    )
}

/// The limit a `poem::Error` reports having hit, if it comes from reading a body cut off by
/// [`InputGuard`].
pub fn body_too_large(err: &poem::Error) -> Option<usize> {
    let poem::error::ReadBodyError::Io(io) = err.downcast_ref::<poem::error::ReadBodyError>()?
    else {
        return None;
    };
    // Body plumbing may wrap the error in further `io::Error`s on its way.
    let mut inner = io.get_ref()?;
    loop {
        if let Some(e) = inner.downcast_ref::<BodyTooLarge>() {
            return Some(e.limit);
        }
        inner = inner.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// The middleware enforcing the rules above.
#[derive(Debug, Clone, Copy)]
pub struct InputGuard {
    /// The largest body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl<E: Endpoint> Middleware<E> for InputGuard {
    type Output = InputGuardEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        InputGuardEndpoint {
            inner,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

/// [`InputGuard`] around an endpoint.
#[derive(Debug)]
pub struct InputGuardEndpoint<E> {
    inner: E,
    max_body_bytes: usize,
}

impl<E: Endpoint> Endpoint for InputGuardEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        if let Some(problem) = nul_in_parameters(req.uri()) {
            return Err(error_into_poem(ApiError::validation(vec![problem])));
        }
        let limit = self.max_body_bytes;
        let declared = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        match declared {
            Some(length) if length > limit as u64 => return Err(too_large(limit)),
            // hyper holds the body to its declared length.
            Some(_) => {}
            None => {
                let body = req.take_body();
                if body.is_empty() {
                    req.set_body(body);
                } else {
                    req.set_body(cut_off_after(body, limit));
                }
            }
        }
        self.inner.call(req).await
    }
}

/// `body`, failing with [`BodyTooLarge`] as soon as more than `limit` bytes have come.
fn cut_off_after(body: Body, limit: usize) -> Body {
    let mut seen = 0usize;
    let stream = body.into_bytes_stream().map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            Err(std::io::Error::other(BodyTooLarge { limit }))
        } else {
            Ok(chunk)
        }
    });
    Body::from_bytes_stream(stream)
}

const NUL_MESSAGE: &str = "must not contain the character U+0000";

/// The first path or query parameter of `uri` holding U+0000, named as the API documents it:
/// `["path", "identifier"]`, `["query", "search"]`.
fn nul_in_parameters(uri: &poem::http::Uri) -> Option<FieldError> {
    // A URI cannot carry a raw NUL: it arrives percent-encoded.
    let segments: Vec<&str> = uri.path().trim_end_matches('/').split('/').collect();
    if let Some(index) = segments.iter().position(|s| s.contains("%00")) {
        return Some(FieldError {
            path: vec!["path".into(), path_parameter_name(&segments, index)],
            message: NUL_MESSAGE.into(),
        });
    }
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, value)| key.contains('\0') || value.contains('\0'))
        .map(|(key, _)| FieldError {
            path: vec!["query".into(), key.replace('\0', "\\u0000")],
            message: NUL_MESSAGE.into(),
        })
}

/// The name of the route parameter at `index` of a request path split on `/`, from the route
/// table; the raw segment's position when no route has a parameter there.
fn path_parameter_name(segments: &[&str], index: usize) -> String {
    ROUTES
        .iter()
        .map(|r| r.openapi_path())
        .find_map(|pattern| {
            let parts: Vec<&str> = pattern.split('/').collect();
            let fits = parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(segments)
                    .all(|(p, s)| p.starts_with('{') || p == s);
            if !fits {
                return None;
            }
            let name = parts[index].strip_prefix('{')?.strip_suffix('}')?;
            Some(name.to_owned())
        })
        .unwrap_or_else(|| index.to_string())
}

/// Where U+0000 stands in `value`, in strings or object keys, as paths below `prefix`; at most
/// `limit` of them, so a body full of them gets a short answer.
pub fn nul_paths(value: &serde_json::Value, prefix: &[&str], limit: usize) -> Vec<FieldError> {
    fn walk(
        value: &serde_json::Value,
        path: &mut Vec<String>,
        out: &mut Vec<FieldError>,
        limit: usize,
    ) {
        use serde_json::Value;
        if out.len() >= limit {
            return;
        }
        fn found(path: &[String], out: &mut Vec<FieldError>) {
            out.push(FieldError {
                path: path.to_vec(),
                message: NUL_MESSAGE.into(),
            });
        }
        match value {
            Value::String(s) if s.contains('\0') => found(path, out),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    walk(item, path, out, limit);
                    path.pop();
                    if out.len() >= limit {
                        return;
                    }
                }
            }
            Value::Object(map) => {
                for (key, child) in map {
                    path.push(key.replace('\0', "\\u0000"));
                    if key.contains('\0') {
                        found(path, out);
                    } else {
                        walk(child, path, out, limit);
                    }
                    path.pop();
                    if out.len() >= limit {
                        return;
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut path = prefix.iter().map(|s| (*s).to_owned()).collect();
    walk(value, &mut path, &mut out, limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nul_at(uri: &str) -> Option<Vec<String>> {
        nul_in_parameters(&uri.parse().unwrap()).map(|e| e.path)
    }

    #[test]
    fn path_parameters_are_named_from_the_route_table() {
        assert_eq!(
            nul_at("/v1/role/a%00b"),
            Some(vec!["path".into(), "identifier".into()])
        );
        assert_eq!(
            nul_at("/v1/role/a%00b/permissions"),
            Some(vec!["path".into(), "identifier".into()])
        );
        assert_eq!(nul_at("/v1/role/admin"), None);
        assert_eq!(
            nul_at("/v1/nothing/%00"),
            Some(vec!["path".into(), "3".into()])
        );
    }

    #[test]
    fn query_parameters_are_decoded_before_the_check() {
        assert_eq!(
            nul_at("/v1/company?page=1&search=a%00"),
            Some(vec!["query".into(), "search".into()])
        );
        assert_eq!(
            nul_at("/v1/company?search=a%2500"),
            None,
            "an escaped `%00`"
        );
        assert_eq!(nul_at("/v1/company?search=%E2%82%AC+x"), None);
    }

    #[test]
    fn nuls_in_json_are_found_in_values_and_keys() {
        let value = serde_json::json!({
            "title": "a\u{0}",
            "fields": [{"id": "ok", "value": "\u{0}"}],
            "map": {"k\u{0}": 1},
            "fine": "x"
        });
        let mut paths: Vec<Vec<String>> = nul_paths(&value, &["body"], 10)
            .into_iter()
            .map(|e| e.path)
            .collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                vec!["body", "fields", "0", "value"],
                vec!["body", "map", "k\\u0000"],
                vec!["body", "title"],
            ]
        );
        assert_eq!(nul_paths(&value, &["body"], 1).len(), 1);
    }
}
