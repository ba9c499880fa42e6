//! The HTTP executor: sends one reviewed `http.request` action with a maintained blocking
//! client (ureq), confined as issue 4 item 3 asks.
//!
//! - **Exactly what was reviewed**: the plan's method (one of [`METHODS`]), URL, headers and
//!   body, nothing else of agentgate's but a `User-Agent` (the plan may set its own) and, for a
//!   JSON body, `Content-Type: application/json` unless the plan set a content type. A string
//!   body is sent byte for byte. Proxy settings are never read from the environment: the
//!   request goes straight to the reviewed host.
//! - **Timeouts**: [`CONNECT_TIMEOUT`] to connect, [`TOTAL_TIMEOUT`] for the whole exchange
//!   (redirects and the response body included).
//! - **Redirects**: the client never follows one by itself. We follow at most
//!   [`MAX_REDIRECTS`], and only to the same origin (scheme, host and port) as the reviewed
//!   URL: 301/302/303 become a `GET` without body (a `HEAD` stays a `HEAD`), 307/308 keep the
//!   method, body and headers. A redirect elsewhere is *not* an error: the request was sent
//!   and answered, so the 3xx answer is an `Ok` [`HttpOutcome`] with
//!   [`HttpOutcome::refused_redirect`] set and [`HttpOutcome::succeeded`] false, and the caller
//!   records what happened.
//! - **Response**: the status, a few harmless headers ([`RECORDED_HEADERS`]), and the head of
//!   the body: at most [`MAX_KEPT_BYTES`] kept, the rest counted up to
//!   [`MAX_READ_BYTES`] (reading stops there), decoded lossily as UTF-8 and redacted with the
//!   policy's [`Scanner`].
//! - **Credentials**: a password in the URL is sent (as basic auth; it was reviewed) but never
//!   shown: outcomes show it as `***`, errors drop the user info, values of credential-like
//!   query parameters are shown as `***`, and everything shown is redacted by the scanner.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::time::{Duration, Instant};

use serde::Serialize;
use ureq::http::{HeaderMap, Response};
use ureq::typestate::{WithBody, WithoutBody};
use ureq::{Agent, Body, RequestBuilder};
use url::Url;

use crate::plan::HttpAction;
use crate::secrets::{Scanner, sensitive_key};

/// Time allowed to resolve the host and connect (TLS handshake included).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed for the whole exchange: connecting, sending, every redirect, reading the body.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// Same-origin redirects followed at most; the next one is refused.
pub const MAX_REDIRECTS: usize = 5;

/// Bytes of the response body kept: the head. The rest is counted.
pub const MAX_KEPT_BYTES: usize = 64 * 1024;

/// Bytes read beyond [`MAX_KEPT_BYTES`] before redacting, so that a secret straddling the cut
/// is recognised whole and leaves no fragment once the text is cut.
const REDACT_MARGIN: usize = 16 * 1024;

/// Bytes of the response body read at most (kept or counted); reading stops beyond, and the
/// outcome says [`HttpOutcome::truncated`].
pub const MAX_READ_BYTES: u64 = 16 * 1024 * 1024;

/// Largest response head accepted.
const MAX_RESPONSE_HEADER_BYTES: usize = 64 * 1024;

/// The methods a plan may use.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Response headers recorded in the outcome: none of them carries a credential. `set-cookie`,
/// `www-authenticate` and the like never are.
pub const RECORDED_HEADERS: [&str; 5] = [
    "content-type",
    "content-length",
    "content-encoding",
    "location",
    "retry-after",
];

/// Request headers that describe the body, dropped when a redirect turns the request into a
/// `GET` without body.
const BODY_HEADERS: [&str; 5] = [
    "content-type",
    "content-length",
    "content-encoding",
    "content-language",
    "transfer-encoding",
];

const USER_AGENT: &str = concat!("agentgate/", env!("CARGO_PKG_VERSION"));

/// The bounds of one request; [`HttpLimits::default`] is what [`request`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// To connect ([`CONNECT_TIMEOUT`]).
    pub connect: Duration,
    /// For everything ([`TOTAL_TIMEOUT`]).
    pub total: Duration,
    /// Same-origin redirects followed ([`MAX_REDIRECTS`]).
    pub max_redirects: usize,
    /// Response body bytes read ([`MAX_READ_BYTES`]).
    pub max_read: u64,
}

impl Default for HttpLimits {
    fn default() -> HttpLimits {
        HttpLimits {
            connect: CONNECT_TIMEOUT,
            total: TOTAL_TIMEOUT,
            max_redirects: MAX_REDIRECTS,
            max_read: MAX_READ_BYTES,
        }
    }
}

/// A redirect answered but not followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedRedirect {
    /// Where it pointed (resolved, credentials hidden, redacted).
    pub to: String,
    /// Why it was not followed.
    pub reason: &'static str,
}

/// What the server answered (the last answer, after the redirects followed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpOutcome {
    /// The method as planned (a redirect may have turned it into a `GET`).
    pub method: String,
    /// The reviewed URL, password shown as `***`, redacted.
    pub url: String,
    pub status: u16,
    /// The [`RECORDED_HEADERS`] present in the answer (lowercase names), values redacted.
    pub headers: BTreeMap<String, String>,
    /// The head of the body (at most [`MAX_KEPT_BYTES`]), lossily decoded, redacted.
    pub body: String,
    /// Body bytes read beyond the first [`MAX_KEPT_BYTES`] (counted, not kept).
    pub body_dropped: u64,
    /// The body was longer than [`HttpLimits::max_read`]: reading stopped there.
    pub truncated: bool,
    /// From the first connection to the end of the body.
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    /// The URLs reached by following redirects, in order (shown like `url`).
    pub redirects: Vec<String>,
    /// A redirect answered but not followed: the answer is the 3xx itself.
    pub refused_redirect: Option<RefusedRedirect>,
}

impl HttpOutcome {
    /// Answered with a 2xx, and no redirect was refused.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status) && self.refused_redirect.is_none()
    }
}

fn as_millis<S: serde::Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// Why a request could not be made, or not observed to its end. URLs in it have no user info
/// and are redacted.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("method `{0}` is not supported (one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)")]
    UnsupportedMethod(String),
    #[error("{url}: only http and https URLs are supported")]
    UnsupportedScheme { url: String },
    #[error("{method} {url}: invalid request: {reason}")]
    InvalidRequest {
        method: String,
        url: String,
        reason: String,
    },
    #[error("{method} {url}: could not connect: {reason}")]
    Connect {
        method: String,
        url: String,
        reason: String,
    },
    #[error("{method} {url}: timed out after {limit:?} {}",
        if *.connecting { "connecting" } else { "waiting for the answer" })]
    Timeout {
        method: String,
        url: String,
        limit: Duration,
        connecting: bool,
    },
    /// Failed after connecting: the request may have reached the server.
    #[error("{method} {url}: {reason}")]
    Transport {
        method: String,
        url: String,
        reason: String,
    },
    /// The request was sent and answered, but the body could not be read.
    #[error("{method} {url} answered {status} but its body could not be read: {reason}")]
    ReadBody {
        method: String,
        url: String,
        status: u16,
        reason: String,
    },
}

impl HttpError {
    /// Whether the server may have received the request (what an audit record must say).
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            HttpError::UnsupportedMethod(_)
            | HttpError::UnsupportedScheme { .. }
            | HttpError::InvalidRequest { .. }
            | HttpError::Connect { .. } => false,
            HttpError::Timeout { connecting, .. } => !connecting,
            HttpError::Transport { .. } | HttpError::ReadBody { .. } => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    fn parse(method: &str) -> Option<Method> {
        Some(match method {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }
}

/// One request on the way: a redirect may change all but the headers' origin.
struct Hop {
    method: Method,
    url: Url,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// Send `action` within the default [`HttpLimits`] and report the answer, redacted with
/// `scanner`.
///
/// `Err` means no answer was received in full (see [`HttpError::may_have_been_sent`]); an
/// answer with any status, or a refused redirect, is an `Ok` [`HttpOutcome`] whose
/// [`HttpOutcome::succeeded`] tells.
pub fn request(action: &HttpAction, scanner: &Scanner) -> Result<HttpOutcome, HttpError> {
    request_with(action, scanner, &HttpLimits::default())
}

/// [`request`] within `limits`.
pub fn request_with(
    action: &HttpAction,
    scanner: &Scanner,
    limits: &HttpLimits,
) -> Result<HttpOutcome, HttpError> {
    let method = Method::parse(&action.method)
        .ok_or_else(|| HttpError::UnsupportedMethod(scanner.redact(&action.method).into()))?;
    if !matches!(action.url.scheme(), "http" | "https") {
        return Err(HttpError::UnsupportedScheme {
            url: error_url(&action.url, scanner),
        });
    }
    let mut headers: Vec<(String, String)> = action
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let json = action.body.as_ref().is_some_and(|body| !body.is_string());
    if json
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    let mut url = action.url.clone();
    url.set_fragment(None);
    let mut hop = Hop {
        method,
        url,
        headers,
        body: action.body_text().map(String::into_bytes),
    };

    let agent: Agent = Agent::config_builder()
        .proxy(None)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(limits.connect))
        .max_response_header_size(MAX_RESPONSE_HEADER_BYTES)
        .user_agent(USER_AGENT)
        .build()
        .into();
    let started = Instant::now();
    let deadline = started.checked_add(limits.total);
    let mut redirects = Vec::new();
    let mut refused_redirect = None;
    let response = loop {
        let remaining = deadline.map_or(limits.total, |d| {
            d.saturating_duration_since(Instant::now())
        });
        let response = send(&agent, &hop, remaining)
            .map_err(|e| client_error(e, &action.method, &hop.url, limits, scanner))?;
        let status = response.status().as_u16();
        match next_hop(
            status,
            response.headers(),
            &hop.url,
            redirects.len(),
            limits,
        ) {
            Next::Stop => break response,
            Next::Refuse { to, reason } => {
                let to = to.map_or_else(
                    || location_shown(response.headers(), scanner),
                    |url| shown_url(&url, scanner),
                );
                refused_redirect = Some(RefusedRedirect { to, reason });
                break response;
            }
            Next::Follow(next) => {
                redirects.push(shown_url(&next, scanner));
                if matches!(status, 301..=303) && hop.method != Method::Head {
                    hop.method = Method::Get;
                    hop.body = None;
                    hop.headers.retain(|(name, _)| {
                        !BODY_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h))
                    });
                }
                hop.url = next;
            }
        }
    };

    let status = response.status().as_u16();
    let headers = recorded_headers(response.headers(), scanner);
    let (head, total, truncated) =
        read_body(response.into_body(), limits.max_read).map_err(|e| HttpError::ReadBody {
            method: action.method.clone(),
            url: error_url(&hop.url, scanner),
            status,
            reason: scrub(&e.to_string(), &hop.url, scanner),
        })?;
    Ok(HttpOutcome {
        method: action.method.clone(),
        url: shown_url(&action.url, scanner),
        status,
        headers,
        body: bounded_redacted(&head, scanner),
        body_dropped: total.saturating_sub(MAX_KEPT_BYTES as u64),
        truncated,
        duration: started.elapsed(),
        redirects,
        refused_redirect,
    })
}

fn send(agent: &Agent, hop: &Hop, remaining: Duration) -> Result<Response<Body>, ureq::Error> {
    fn prepare<B>(builder: RequestBuilder<B>, hop: &Hop, remaining: Duration) -> RequestBuilder<B> {
        let mut builder = builder.config().timeout_global(Some(remaining)).build();
        for (name, value) in &hop.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
    }
    let uri = hop.url.as_str();
    let body = hop.body.as_deref();
    let without_body = |builder: RequestBuilder<WithoutBody>| match body {
        Some(bytes) => prepare(builder, hop, remaining)
            .force_send_body()
            .send(bytes),
        None => prepare(builder, hop, remaining).call(),
    };
    let with_body = |builder: RequestBuilder<WithBody>| match body {
        Some(bytes) => prepare(builder, hop, remaining).send(bytes),
        None => prepare(builder, hop, remaining).send_empty(),
    };
    match hop.method {
        Method::Get => without_body(agent.get(uri)),
        Method::Delete => without_body(agent.delete(uri)),
        Method::Head => without_body(agent.head(uri)),
        Method::Options => without_body(agent.options(uri)),
        Method::Post => with_body(agent.post(uri)),
        Method::Put => with_body(agent.put(uri)),
        Method::Patch => with_body(agent.patch(uri)),
    }
}

/// What to do after an answer.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Stop,
    Follow(Url),
    /// `to` is `None` when the `Location` could not be resolved.
    Refuse {
        to: Option<Url>,
        reason: &'static str,
    },
}

fn next_hop(
    status: u16,
    headers: &HeaderMap,
    current: &Url,
    followed: usize,
    limits: &HttpLimits,
) -> Next {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Next::Stop;
    }
    // A redirect without a `Location` is an answer like any other.
    let Some(location) = headers.get("location") else {
        return Next::Stop;
    };
    let target = location
        .to_str()
        .ok()
        .and_then(|location| current.join(location).ok());
    let Some(mut target) = target else {
        return Next::Refuse {
            to: None,
            reason: "its Location is not a valid URL",
        };
    };
    target.set_fragment(None);
    if target.origin() != current.origin() {
        Next::Refuse {
            to: Some(target),
            reason: "it leads to another origin (scheme, host or port) than the reviewed URL",
        }
    } else if followed >= limits.max_redirects {
        Next::Refuse {
            to: Some(target),
            reason: "too many redirects",
        }
    } else {
        Next::Follow(target)
    }
}

fn client_error(
    error: ureq::Error,
    method: &str,
    url: &Url,
    limits: &HttpLimits,
    scanner: &Scanner,
) -> HttpError {
    use ureq::Error as E;
    let (method, url_shown) = (method.to_owned(), error_url(url, scanner));
    let reason = scrub(&error.to_string(), url, scanner);
    let connect_failed = match &error {
        E::HostNotFound | E::ConnectionFailed | E::Tls(_) | E::Rustls(_) | E::TlsRequired => true,
        E::Io(e) => matches!(
            e.kind(),
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::AddrNotAvailable
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
        ),
        _ => false,
    };
    match error {
        E::Timeout(phase) => HttpError::Timeout {
            method,
            url: url_shown,
            limit: match phase {
                ureq::Timeout::Connect => limits.connect,
                _ => limits.total,
            },
            connecting: matches!(phase, ureq::Timeout::Resolve | ureq::Timeout::Connect),
        },
        E::Http(_) | E::BadUri(_) => HttpError::InvalidRequest {
            method,
            url: url_shown,
            reason,
        },
        _ if connect_failed => HttpError::Connect {
            method,
            url: url_shown,
            reason,
        },
        _ => HttpError::Transport {
            method,
            url: url_shown,
            reason,
        },
    }
}

/// Read the body: the head kept (up to [`MAX_KEPT_BYTES`] + [`REDACT_MARGIN`]), the total count
/// (at most `max_read`), and whether there was more than `max_read`.
fn read_body(body: Body, max_read: u64) -> io::Result<(Vec<u8>, u64, bool)> {
    let mut reader = body.into_reader().take(max_read.saturating_add(1));
    let mut head = Vec::new();
    let mut total: u64 = 0;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let room = (MAX_KEPT_BYTES + REDACT_MARGIN).saturating_sub(head.len());
        head.extend_from_slice(buf.get(..n.min(room)).unwrap_or_default());
        total += n as u64;
    }
    Ok((head, total.min(max_read), total > max_read))
}

/// Decode `head` lossily, redact it whole, then cut it to [`MAX_KEPT_BYTES`] on a char
/// boundary: a secret straddling the cut is redacted before the cut, so no fragment is kept.
fn bounded_redacted(head: &[u8], scanner: &Scanner) -> String {
    scanner.redact_bounded(&String::from_utf8_lossy(head), MAX_KEPT_BYTES)
}

fn recorded_headers(headers: &HeaderMap, scanner: &Scanner) -> BTreeMap<String, String> {
    let mut recorded = BTreeMap::new();
    for name in RECORDED_HEADERS {
        let Some(value) = headers.get(name) else {
            continue;
        };
        let value = if name == "location" {
            location_shown(headers, scanner)
        } else {
            scanner
                .redact(&String::from_utf8_lossy(value.as_bytes()))
                .into_owned()
        };
        recorded.insert(name.to_owned(), value);
    }
    recorded
}

/// The `Location` as written, an absolute one shown like [`shown_url`].
fn location_shown(headers: &HeaderMap, scanner: &Scanner) -> String {
    let raw = headers
        .get("location")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    match Url::parse(&raw) {
        Ok(url) => shown_url(&url, scanner),
        Err(_) => scanner.redact(&raw).into_owned(),
    }
}

/// `url` as an outcome shows it: the password as `***`, the values of credential-like query
/// parameters as `***`, the rest redacted.
fn shown_url(url: &Url, scanner: &Scanner) -> String {
    display_url(url, scanner, true)
}

/// `url` as an error shows it: like [`shown_url`], without user info.
fn error_url(url: &Url, scanner: &Scanner) -> String {
    display_url(url, scanner, false)
}

fn display_url(url: &Url, scanner: &Scanner, keep_user: bool) -> String {
    let mut shown = url.clone();
    if !keep_user {
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
    } else if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    if shown.query_pairs().any(|(name, _)| sensitive_key(&name)) {
        let pairs: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(name, value)| {
                let hidden = sensitive_key(&name);
                let value = if hidden {
                    "***".into()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    scanner.redact(shown.as_str()).into_owned()
}

/// A client error message without the URL's credentials, redacted.
fn scrub(text: &str, url: &Url, scanner: &Scanner) -> String {
    let mut text = text.replace(url.as_str(), &error_url(url, scanner));
    if let Some(password) = url.password().filter(|p| !p.is_empty()) {
        text = text.replace(password, "***");
    }
    scanner.redact(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::net::{TcpListener, TcpStream};
    use std::thread::{self, JoinHandle};

    /// A request as the test server received it.
    #[derive(Debug)]
    struct Received {
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Received {
        fn header(&self, name: &str) -> Option<&str> {
            let mut found = self.headers.iter().filter(|(n, _)| n == name);
            let value = found.next().map(|(_, v)| v.as_str());
            assert!(found.next().is_none(), "header {name} sent twice");
            value
        }
    }

    /// A server on `127.0.0.1` answering one connection per scripted response, in order; the
    /// thread returns what it received (giving up on a connection after 5 s).
    fn serve(responses: Vec<Vec<u8>>) -> (String, JoinHandle<Vec<Received>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let handle = thread::spawn(move || {
            let mut received = Vec::new();
            for response in responses {
                let deadline = Instant::now() + Duration::from_secs(5);
                let stream = loop {
                    match listener.accept() {
                        Ok((stream, _)) => break stream,
                        Err(_) if Instant::now() < deadline => {
                            thread::sleep(Duration::from_millis(1));
                        }
                        Err(_) => return received,
                    }
                };
                received.push(answer(stream, &response));
            }
            received
        });
        (base, handle)
    }

    fn answer(mut stream: TcpStream, response: &[u8]) -> Received {
        use std::io::Write;
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let end = loop {
            if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed in the request head");
            data.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8(data[..end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap().split(' ');
        let (method, target) = (first.next().unwrap(), first.next().unwrap());
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = data[end + 4..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed in the request body");
            body.extend_from_slice(&buf[..n]);
        }
        // The client may stop reading (bounded body): ignore write errors.
        let _ = stream.write_all(response);
        Received {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body,
        }
    }

    fn reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn action(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> HttpAction {
        HttpAction {
            method: method.to_owned(),
            url: Url::parse(url).unwrap(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body,
        }
    }

    fn limits() -> HttpLimits {
        HttpLimits {
            connect: Duration::from_secs(2),
            total: Duration::from_secs(5),
            ..HttpLimits::default()
        }
    }

    fn send(action: &HttpAction) -> Result<HttpOutcome, HttpError> {
        request_with(action, Scanner::builtin(), &limits())
    }

    /// A GitHub-token-shaped string that the built-in scanner recognises.
    fn token() -> String {
        format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ0bC2dF4hJ6")
    }

    #[test]
    fn json_body_arrives_with_its_content_type() {
        let (base, server) = serve(vec![reply(
            "201 Created",
            &[
                ("content-type", "application/json"),
                ("set-cookie", "session=abc"),
            ],
            b"{\"ok\":true}",
        )]);
        let body = json!({"name": "x", "tags": [true, null, 1.5]});
        let act = action(
            "POST",
            &format!("{base}/api?x=1"),
            &[("x-trace", "t1")],
            Some(body),
        );
        let out = send(&act).unwrap();
        assert!(out.succeeded(), "{out:?}");
        assert_eq!((out.status, out.body.as_str()), (201, "{\"ok\":true}"));
        let recorded: Vec<(&str, &str)> = out
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            recorded,
            [
                ("content-length", "11"),
                ("content-type", "application/json")
            ]
        );
        assert_eq!((out.body_dropped, out.truncated), (0, false));
        assert!(out.redirects.is_empty() && out.refused_redirect.is_none());

        let got = server.join().unwrap();
        let [req] = got.as_slice() else {
            panic!("{got:?}")
        };
        assert_eq!(
            (req.method.as_str(), req.target.as_str()),
            ("POST", "/api?x=1")
        );
        assert_eq!(req.body, br#"{"name":"x","tags":[true,null,1.5]}"#);
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("x-trace"), Some("t1"));
        assert_eq!(req.header("user-agent"), Some(USER_AGENT));

        let recorded = serde_json::to_value(&out).unwrap();
        assert_eq!(recorded["status"], 201);
        assert_eq!(recorded["method"], "POST");
        assert!(recorded["duration_ms"].is_u64(), "{recorded}");
        assert!(recorded["refused_redirect"].is_null());
    }

    #[test]
    fn string_body_is_sent_as_is_and_the_plan_content_type_wins() {
        let (base, server) = serve(vec![
            reply("200 OK", &[], b""),
            reply("204 No Content", &[], b""),
        ]);
        let form = action(
            "PUT",
            &format!("{base}/form"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(json!("a=1&b={\"raw\"}")),
        );
        assert!(send(&form).unwrap().succeeded());
        let patch = action(
            "PATCH",
            &format!("{base}/doc"),
            &[("Content-Type", "application/merge-patch+json")],
            Some(json!({"a": null})),
        );
        let out = send(&patch).unwrap();
        assert_eq!(out.status, 204);
        assert!(out.succeeded());
        let got = server.join().unwrap();
        assert_eq!(got[0].method, "PUT");
        assert_eq!(got[0].body, b"a=1&b={\"raw\"}");
        assert_eq!(
            got[0].header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(got[1].method, "PATCH");
        assert_eq!(got[1].body, br#"{"a":null}"#);
        assert_eq!(
            got[1].header("content-type"),
            Some("application/merge-patch+json")
        );
    }

    #[test]
    fn error_status_is_an_outcome_not_an_error() {
        let (base, server) = serve(vec![reply("500 Internal Server Error", &[], b"boom")]);
        let out = send(&action("DELETE", &format!("{base}/x"), &[], None)).unwrap();
        assert_eq!((out.status, out.body.as_str()), (500, "boom"));
        assert!(!out.succeeded());
        assert_eq!(server.join().unwrap()[0].method, "DELETE");
    }

    #[test]
    fn same_origin_redirects_are_followed() {
        let (base, server) = serve(vec![
            reply("307 Temporary Redirect", &[("location", "/b")], b""),
            reply("303 See Other", &[("location", "c?q=1#frag")], b""),
            reply("200 OK", &[], b"done"),
        ]);
        let act = action(
            "POST",
            &format!("{base}/a"),
            &[("x-trace", "t2")],
            Some(json!({"k": 1})),
        );
        let out = send(&act).unwrap();
        assert!(out.succeeded(), "{out:?}");
        assert_eq!(out.body, "done");
        assert_eq!(
            out.redirects,
            [format!("{base}/b"), format!("{base}/c?q=1")]
        );
        let got = server.join().unwrap();
        let seen: Vec<(&str, &str, &[u8])> = got
            .iter()
            .map(|r| (r.method.as_str(), r.target.as_str(), r.body.as_slice()))
            .collect();
        assert_eq!(
            seen,
            [
                ("POST", "/a", &br#"{"k":1}"#[..]),
                ("POST", "/b", &br#"{"k":1}"#[..]),
                ("GET", "/c?q=1", &b""[..]),
            ]
        );
        assert_eq!(got[1].header("content-type"), Some("application/json"));
        assert_eq!(got[2].header("content-type"), None);
        assert_eq!(got[2].header("x-trace"), Some("t2"));
    }

    #[test]
    fn cross_origin_redirect_is_refused_and_not_requested() {
        let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
        let target = format!("http://{}/steal", elsewhere.local_addr().unwrap());
        let (base, server) = serve(vec![reply("302 Found", &[("location", &target)], b"moved")]);
        let out = send(&action("GET", &format!("{base}/a"), &[], None)).unwrap();
        assert_eq!((out.status, out.body.as_str()), (302, "moved"));
        assert!(!out.succeeded());
        let refused = out.refused_redirect.clone().unwrap();
        assert_eq!(refused.to, target);
        assert!(refused.reason.contains("another origin"), "{refused:?}");
        assert_eq!(out.headers.get("location"), Some(&target));
        assert!(out.redirects.is_empty());
        assert_eq!(server.join().unwrap().len(), 1);
        elsewhere.set_nonblocking(true).unwrap();
        let err = elsewhere.accept().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn redirect_rules() {
        let current = Url::parse("https://api.test/v1/x").unwrap();
        let decide = |status: u16, location: &str, followed: usize| {
            let mut headers = HeaderMap::new();
            headers.insert("location", location.parse().unwrap());
            next_hop(status, &headers, &current, followed, &HttpLimits::default())
        };
        let follow = |s: &str| Next::Follow(Url::parse(s).unwrap());
        assert_eq!(decide(301, "y", 0), follow("https://api.test/v1/y"));
        assert_eq!(
            decide(308, "https://api.test:443/z", 4),
            follow("https://api.test/z")
        );
        for elsewhere in [
            "http://api.test/x",
            "https://api.test:8443/x",
            "https://evil.test/x",
            "//evil.test/",
        ] {
            assert!(
                matches!(decide(302, elsewhere, 0), Next::Refuse { to: Some(_), .. }),
                "{elsewhere}"
            );
        }
        assert_eq!(
            decide(302, "/again", MAX_REDIRECTS),
            Next::Refuse {
                to: Some(Url::parse("https://api.test/again").unwrap()),
                reason: "too many redirects"
            }
        );
        assert!(matches!(
            decide(302, "http://[::1", 0),
            Next::Refuse { to: None, .. }
        ));
        // Not a redirect to follow: answered as is.
        assert_eq!(decide(300, "/y", 0), Next::Stop);
        assert_eq!(decide(304, "/y", 0), Next::Stop);
        assert_eq!(decide(200, "/y", 0), Next::Stop);
        assert_eq!(
            next_hop(302, &HeaderMap::new(), &current, 0, &HttpLimits::default()),
            Next::Stop
        );
    }

    #[test]
    fn large_response_is_bounded() {
        let big = vec![b'o'; 1024 * 1024];
        let (base, server) = serve(vec![reply("200 OK", &[], &big), reply("200 OK", &[], &big)]);
        let act = action("GET", &format!("{base}/big"), &[], None);
        let out = send(&act).unwrap();
        assert_eq!(out.body.len(), MAX_KEPT_BYTES);
        assert!(out.body.bytes().all(|b| b == b'o'));
        assert_eq!(out.body_dropped, (1024 * 1024 - MAX_KEPT_BYTES) as u64);
        assert!(!out.truncated && out.succeeded());

        let small_cap = HttpLimits {
            max_read: 256 * 1024,
            ..limits()
        };
        let out = request_with(&act, Scanner::builtin(), &small_cap).unwrap();
        assert_eq!(out.body.len(), MAX_KEPT_BYTES);
        assert_eq!(out.body_dropped, (256 * 1024 - MAX_KEPT_BYTES) as u64);
        assert!(out.truncated);
        assert_eq!(server.join().unwrap().len(), 2);
    }

    #[test]
    fn secrets_in_the_answer_and_the_url_are_hidden() {
        let token = token();
        assert!(Scanner::builtin().contains_secret(&token));
        let (base, server) = serve(vec![reply(
            "200 OK",
            &[("content-type", "text/plain")],
            format!("your token: {token}\n").as_bytes(),
        )]);
        let url =
            base.replace("http://", "http://deploy:hunter2pass@") + "/x?api_key=abc123&page=2";
        let out = send(&action("GET", &url, &[], None)).unwrap();
        assert!(!out.body.contains(&token), "{}", out.body);
        assert!(out.body.contains("[REDACTED"), "{}", out.body);
        assert!(
            !out.url.contains("hunter2pass") && !out.url.contains("abc123"),
            "{}",
            out.url
        );
        assert!(out.url.contains("page=2"), "{}", out.url);
        let got = server.join().unwrap();
        // Sent as reviewed.
        assert_eq!(got[0].target, "/x?api_key=abc123&page=2");
        assert!(
            got[0]
                .header("authorization")
                .unwrap()
                .starts_with("Basic ")
        );
    }

    #[test]
    fn silent_server_times_out() {
        // Connections complete in the backlog but nobody ever answers.
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/slow", silent.local_addr().unwrap());
        let short = HttpLimits {
            total: Duration::from_millis(300),
            ..limits()
        };
        let started = Instant::now();
        let err =
            request_with(&action("GET", &url, &[], None), Scanner::builtin(), &short).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert!(
            matches!(
                err,
                HttpError::Timeout {
                    connecting: false,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.may_have_been_sent());
        assert!(err.to_string().contains("timed out after 300ms"), "{err}");
    }

    #[test]
    fn refused_before_sending() {
        for method in ["TRACE", "CONNECT", "get", "FOO"] {
            let err = send(&action(method, "http://127.0.0.1:9/", &[], None)).unwrap_err();
            assert!(matches!(err, HttpError::UnsupportedMethod(_)), "{err}");
            assert!(!err.may_have_been_sent());
        }
        let err = send(&action("GET", "ftp://u:pw123456@127.0.0.1/f", &[], None)).unwrap_err();
        assert!(matches!(err, HttpError::UnsupportedScheme { .. }), "{err}");
        assert!(!err.to_string().contains("pw123456"), "{err}");
    }

    #[test]
    fn connection_refused_is_a_clear_error_without_credentials() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("http://admin:hunter2pass@127.0.0.1:{port}/x");
        let err = send(&action("POST", &url, &[], Some(json!("x")))).unwrap_err();
        assert!(matches!(err, HttpError::Connect { .. }), "{err:?}");
        assert!(!err.may_have_been_sent());
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "POST http://127.0.0.1:{port}/x: could not connect"
            )),
            "{text}"
        );
        assert!(
            !text.contains("hunter2pass") && !text.contains("admin"),
            "{text}"
        );
    }

    #[test]
    fn recorded_headers_are_not_credentials() {
        for name in RECORDED_HEADERS {
            assert!(!sensitive_key(name), "{name}");
        }
        for method in METHODS {
            assert!(Method::parse(method).is_some(), "{method}");
        }
    }
}
