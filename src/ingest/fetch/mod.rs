//! Getting a source's bytes: HTTP(S) with reqwest, or a local file, under the fetch policy.
//!
//! The policy, all here: redirects followed by hand (at most [`MAX_REDIRECTS`]; loops caught;
//! a chain of only permanent moves reported as `moved_to`), conditional GET with the last
//! validators, bounded retries with exponential backoff for transient failures ([`retryable`]
//! alone decides which), `Retry-After` honoured as [`Error::RetryLater`], a body size limit and
//! an overall timeout per attempt. Nothing is cached, least of all a failure. A local file
//! is read under the same size limit and timeout, and only when it is a regular file.
//!
//! The one concurrent stage: a bounded number of requests in flight overall and per host.
//! Touches the network and reads the files named in the config; nothing else. It never reads
//! the environment: reqwest itself honours `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and
//! `NO_PROXY` (no crate feature needed; `system-proxy` would only add the macOS/Windows
//! system settings).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use futures::StreamExt as _;
use reqwest::header::{self, HeaderMap};
use tokio::sync::Semaphore;

use crate::config::FetchConfig;
use crate::error::Error;
use crate::model::Location;

/// Most redirects followed for one request; one more is [`Error::TooManyRedirects`].
pub const MAX_REDIRECTS: usize = 5;

/// The longest wait a `Retry-After` may ask for; a longer one is cut to this.
pub const MAX_RETRY_AFTER: TimeDelta = TimeDelta::days(7);

/// Validators from the last successful fetch, sent as If-None-Match / If-Modified-Since,
/// borrowed from where the state's copy of them is kept (a run copies no source's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validators<'a> {
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
}

/// What a fetch produced: a document, or word that the one we have is still current.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "the agreed interface; one value per source, moved once, so boxing saves nothing"
)]
pub enum Fetched {
    Document(RawDocument),
    NotModified(NotModified),
}

/// A `304 Not Modified` answer to a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct NotModified {
    /// The final URL when every redirect on the way was permanent (301 or 308).
    pub moved_to: Option<url::Url>,
    /// New validators the server sent with the 304, if any.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The raw document a fetch produced.
#[derive(Debug, Clone)]
pub struct RawDocument {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// The URL after redirects (for HTTP), or the file's URL.
    pub final_url: Option<url::Url>,
    /// What relative references resolve against: the HTTP `Content-Location` (resolved
    /// against the final URL) when the server sent one, else the final URL.
    pub base_url: Option<url::Url>,
    pub fetched_at: DateTime<Utc>,
    /// The `ETag` the server sent, to send back as `If-None-Match` next time.
    pub etag: Option<String>,
    /// The `Last-Modified` the server sent, to send back as `If-Modified-Since` next time.
    pub last_modified: Option<String>,
    /// The final URL when the request was redirected and every hop was permanent (301 or
    /// 308): the config's URL should become this one. `None` otherwise.
    pub moved_to: Option<url::Url>,
}

/// A configured HTTP client plus the fetch policy and per-host limits.
pub struct Fetcher {
    client: reqwest::Client,
    per_host: usize,
    timeout: Duration,
    retries: u32,
    retry_backoff: Duration,
    max_bytes: u64,
    hosts: std::sync::Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Why one attempt failed; [`retryable`] decides whether another attempt may help.
enum Failure {
    /// The transport failed (connect, TLS, timeout, a broken body…).
    Transport(reqwest::Error),
    /// The server answered with a status we do not accept (and no `Retry-After` to honour).
    Status(u16),
    /// Another attempt cannot help: the error as reported.
    Final(Error),
}

impl Failure {
    fn into_error(self, url: &url::Url) -> Error {
        match self {
            Failure::Transport(e) => Error::Fetch {
                url: url.to_string(),
                message: describe(&e),
            },
            Failure::Status(status) => Error::HttpStatus {
                url: url.to_string(),
                status,
            },
            Failure::Final(e) => e,
        }
    }
}

/// The retry policy, in one place: connection failures (refused, unreachable, DNS, connect
/// timeout) and the statuses of a busy or briefly broken server. A timeout after the connection
/// was made, a broken body, every other status and every [`Failure::Final`] are not retried.
fn retryable(failure: &Failure) -> bool {
    match failure {
        Failure::Transport(e) => e.is_connect(),
        Failure::Status(status) => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
        Failure::Final(_) => false,
    }
}

impl Fetcher {
    pub fn new(cfg: &FetchConfig) -> Result<Self, Error> {
        Self::build(cfg, true)
    }

    /// `proxies: false` ignores the proxy variables (tests talk to 127.0.0.1 directly).
    fn build(cfg: &FetchConfig, proxies: bool) -> Result<Self, Error> {
        // reqwest is built without a crypto provider of its own (see Cargo.toml): ring's
        // is the process's. (Already installed: nothing to do.) rustls 0.23.48 deprecates
        // it for lacking post-quantum key exchange; aws-lc-rs has that, at a minute or
        // more of every first build (docs/benchmarks.md).
        #[allow(deprecated, reason = "ring's provider: see above")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            // Redirects are followed in `attempt`, which needs each hop's status.
            .redirect(reqwest::redirect::Policy::none());
        if !proxies {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| Error::Fetch {
            url: String::new(),
            message: format!("cannot build the HTTP client: {e}"),
        })?;
        Ok(Fetcher {
            client,
            per_host: cfg.per_host,
            timeout: cfg.timeout,
            retries: cfg.retries,
            retry_backoff: cfg.retry_backoff,
            max_bytes: cfg.max_bytes,
            hosts: std::sync::Mutex::new(HashMap::new()),
        })
    }

    fn host_gate(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            hosts
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host))),
        )
    }

    /// Fetches one location; an HTTP request is conditional on `validators` (files ignore them
    /// and always give a document).
    pub async fn fetch(
        &self,
        location: &Location,
        validators: &Validators<'_>,
        now: DateTime<Utc>,
    ) -> Result<Fetched, Error> {
        match location {
            Location::File(path) => {
                let bytes = match tokio::time::timeout(self.timeout, self.read_file(path)).await {
                    Ok(read) => read?,
                    Err(_) => {
                        return Err(Error::Fetch {
                            url: path.display().to_string(),
                            message: format!("timed out after {:?}", self.timeout),
                        });
                    }
                };
                Ok(Fetched::Document(RawDocument {
                    bytes,
                    content_type: None,
                    final_url: url::Url::from_file_path(path).ok(),
                    base_url: url::Url::from_file_path(path).ok(),
                    fetched_at: now,
                    etag: None,
                    last_modified: None,
                    moved_to: None,
                }))
            }
            Location::Http(url) => {
                let gate = self.host_gate(url.host_str().unwrap_or(""));
                let _permit = gate.acquire_owned().await.map_err(|e| Error::Fetch {
                    url: url.to_string(),
                    message: e.to_string(),
                })?;
                self.get(url, validators, now).await
            }
        }
    }

    /// A local file's bytes, under the same limits as a body: only a regular file (a FIFO
    /// would wait for a writer forever, a device never ends), at most `max_bytes`. Opened,
    /// checked and read on one blocking thread, straight into a buffer of the file's size
    /// (not `tokio::fs`, which reads through a buffer of its own, a blocking task per piece,
    /// and copies each piece again).
    async fn read_file(&self, path: &std::path::Path) -> Result<Vec<u8>, Error> {
        use std::io::Read as _;
        /// Why a file that opened is not read.
        enum Refused {
            NotRegular,
            TooLarge,
        }
        let failed = |source: std::io::Error| Error::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            // Opening a FIFO for reading waits for a writer, unless non-blocking.
            options.custom_flags(libc::O_NONBLOCK);
        }
        let path_owned = path.to_path_buf();
        let max_bytes = self.max_bytes;
        // A hung network mount holds the blocking thread; the caller's timeout covers it.
        let read = tokio::task::spawn_blocking(move || {
            let file = options.open(&path_owned)?;
            let meta = file.metadata()?;
            if !meta.is_file() {
                return Ok(Err(Refused::NotRegular));
            }
            if meta.len() > max_bytes {
                return Ok(Err(Refused::TooLarge));
            }
            // The file may grow while it is read: never more than the limit in memory.
            let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
            file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes)?;
            if bytes.len() as u64 > max_bytes {
                return Ok(Err(Refused::TooLarge));
            }
            Ok::<_, std::io::Error>(Ok(bytes))
        })
        .await
        .map_err(|e| failed(std::io::Error::other(e)))?
        .map_err(failed)?;
        read.map_err(|refused| match refused {
            Refused::NotRegular => failed(std::io::Error::other(
                "not a regular file (a folder, FIFO, socket or device); only regular files are read",
            )),
            Refused::TooLarge => Error::TooLarge {
                url: path.display().to_string(),
                limit: self.max_bytes,
            },
        })
    }

    /// Attempts until one succeeds, a failure is not [`retryable`], or the retries are spent.
    /// The caller's per-host permit is held through the backoff: a struggling host gets no
    /// more of our requests meanwhile.
    async fn get(&self, url: &url::Url, validators: &Validators<'_>, now: DateTime<Utc>) -> Result<Fetched, Error> {
        let mut retry = 0;
        loop {
            // One deadline over the whole attempt: every redirect hop and the body.
            let failure = match tokio::time::timeout(self.timeout, self.attempt(url, validators, now)).await {
                Ok(Ok(fetched)) => return Ok(fetched),
                Ok(Err(failure)) => failure,
                Err(_) => Failure::Final(Error::Fetch {
                    url: url.to_string(),
                    message: format!("timed out after {:?}", self.timeout),
                }),
            };
            if retry >= self.retries || !retryable(&failure) {
                return Err(failure.into_error(url));
            }
            let wait = self.retry_backoff.saturating_mul(1 << retry.min(20));
            tracing::debug!(%url, retry = retry + 1, ?wait, "transient failure; retrying");
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// One attempt: the request, its redirects, and the body.
    async fn attempt(
        &self,
        url: &url::Url,
        validators: &Validators<'_>,
        now: DateTime<Utc>,
    ) -> Result<Fetched, Failure> {
        let mut chain = vec![url.clone()];
        let mut permanent = true;
        let resp = loop {
            let current = chain.last().expect("the chain starts with the URL").clone();
            let mut req = self.client.get(current.clone());
            if let Some(etag) = validators.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(last_modified) = validators.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, last_modified);
            }
            let resp = req.send().await.map_err(Failure::Transport)?;
            let status = resp.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                break resp;
            }
            let Some(next) = header_str(resp.headers(), header::LOCATION).and_then(|l| current.join(l.trim()).ok())
            else {
                return Err(Failure::Status(status));
            };
            let fail = |e: Error| Err(Failure::Final(e));
            if !matches!(next.scheme(), "http" | "https") {
                return fail(Error::Fetch {
                    url: url.to_string(),
                    message: format!("redirected to {next}, which is not an HTTP(S) URL"),
                });
            }
            if chain.contains(&next) {
                return fail(Error::RedirectLoop { url: url.to_string() });
            }
            if chain.len() > MAX_REDIRECTS {
                return fail(Error::TooManyRedirects {
                    url: url.to_string(),
                    limit: MAX_REDIRECTS,
                });
            }
            permanent &= matches!(status, 301 | 308);
            chain.push(next);
        };
        let final_url = chain.last().expect("the chain starts with the URL").clone();
        let moved_to = (chain.len() > 1 && permanent).then(|| final_url.clone());
        let headers = resp.headers();
        let etag = header_str(headers, header::ETAG).map(str::to_string);
        let last_modified = header_str(headers, header::LAST_MODIFIED).map(str::to_string);
        let status = resp.status().as_u16();
        match status {
            304 => {
                return Ok(Fetched::NotModified(NotModified {
                    moved_to,
                    etag,
                    last_modified,
                }));
            }
            200..=299 => {}
            410 => return Err(Failure::Final(Error::Gone { url: url.to_string() })),
            429 | 503 => {
                return Err(
                    match header_str(headers, header::RETRY_AFTER).and_then(|v| retry_after(v, now)) {
                        Some(until) => Failure::Final(Error::RetryLater {
                            url: url.to_string(),
                            status,
                            until,
                        }),
                        None => Failure::Status(status),
                    },
                );
            }
            _ => return Err(Failure::Status(status)),
        }
        let base_url = header_str(headers, header::CONTENT_LOCATION)
            .and_then(|loc| final_url.join(loc.trim()).ok())
            .unwrap_or_else(|| final_url.clone());
        let content_type = header_str(headers, header::CONTENT_TYPE).map(str::to_string);
        let too_large = || {
            Failure::Final(Error::TooLarge {
                url: url.to_string(),
                limit: self.max_bytes,
            })
        };
        let declared = resp.content_length();
        if declared.is_some_and(|l| l > self.max_bytes) {
            return Err(too_large());
        }
        // Never more than the limit in memory: a chunk that would pass it ends the read.
        let mut bytes = Vec::with_capacity(usize::try_from(declared.unwrap_or(0)).unwrap_or(0));
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(Failure::Transport)?;
            if bytes.len() as u64 + chunk.len() as u64 > self.max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Document(RawDocument {
            bytes,
            content_type,
            final_url: Some(final_url),
            base_url: Some(base_url),
            fetched_at: now,
            etag,
            last_modified,
            moved_to,
        }))
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// When a `Retry-After` value (delta-seconds or an HTTP date) says to come back, kept between
/// `now` and `now + MAX_RETRY_AFTER`; `None` when it is neither form.
fn retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let v = value.trim();
    let until = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for an i64 is "very long": the cap below applies.
        let secs = v.parse::<i64>().unwrap_or(i64::MAX).min(MAX_RETRY_AFTER.num_seconds());
        now + TimeDelta::seconds(secs)
    } else {
        // IMF-fixdate (RFC 2822 syntax), then the obsolete RFC 850 and asctime forms.
        DateTime::parse_from_rfc2822(v)
            .map(|d| d.with_timezone(&Utc))
            .or_else(|_| NaiveDateTime::parse_from_str(v, "%A, %d-%b-%y %H:%M:%S GMT").map(|d| d.and_utc()))
            .or_else(|_| NaiveDateTime::parse_from_str(v, "%a %b %e %H:%M:%S %Y").map(|d| d.and_utc()))
            .ok()?
    };
    Some(until.clamp(now, now + MAX_RETRY_AFTER))
}

/// A reqwest error in words, with its cause chain.
fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_connect() && e.is_timeout() {
        "could not connect (timed out)".to_string()
    } else if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        // (The error names the URL already: not reqwest's " for url (…)" again.)
        let text = e.to_string();
        match e.url() {
            Some(u) => text.replace(&format!(" for url ({u})"), ""),
            None => text,
        }
    };
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// No validators: what a source without `validators[i]` is fetched with.
static NO_VALIDATORS: Validators<'static> = Validators {
    etag: None,
    last_modified: None,
};

/// Fetches every source (where each is) with bounded concurrency and hands each result to
/// `then` as it arrives (in completion order); returns `then`'s results in config order.
/// `validators[i]` belongs to `locations[i]`; a source past the end of `validators` is
/// fetched unconditionally.
///
/// A source's place among the `concurrency` requests in flight is freed as soon as its
/// response is read, not when `then` is done with it: `then` (reading and storing a
/// document, on the workers) runs beside the fetching, and a further request starts only
/// while the sources fetched or waiting for `then` are fewer than `concurrency` and a
/// quarter (so that a few documents waiting for a worker do not keep requests from going
/// out, and the documents held stay about as many as the requests in flight). Every request
/// in flight is polled all the while, so none runs into its timeout for waiting on `then`.
pub async fn fetch_all<'v, L, V, T, F, Fut>(
    fetcher: &Fetcher,
    locations: &[L],
    validators: &[V],
    concurrency: usize,
    now: DateTime<Utc>,
    then: F,
) -> Vec<T>
where
    L: Borrow<Location>,
    V: Borrow<Validators<'v>>,
    F: Fn(usize, Result<Fetched, Error>) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    use futures::stream::FuturesUnordered;
    let limit = concurrency.max(1);
    let held = limit + (limit / 4).max(1);
    // Each result in its place as it comes (a list of the sources' size, not one grown by
    // doubling and sorted: a run of 100,000 sources holds it to the end).
    let mut results: Vec<Option<T>> = std::iter::repeat_with(|| None).take(locations.len()).collect();
    let mut to_fetch = locations.iter().enumerate();
    let mut fetching = FuturesUnordered::new();
    let mut handling = FuturesUnordered::new();
    loop {
        while fetching.len() < limit && fetching.len() + handling.len() < held {
            match to_fetch.next() {
                Some((i, s)) => {
                    let v = validators.get(i).map_or(&NO_VALIDATORS, Borrow::borrow);
                    let fetched = fetcher.fetch(s.borrow(), v, now);
                    fetching.push(async move { (i, fetched.await) });
                }
                None => break,
            }
        }
        if fetching.is_empty() && handling.is_empty() {
            break;
        }
        tokio::select! {
            Some((i, r)) = fetching.next(), if !fetching.is_empty() => {
                let handled = then(i, r);
                handling.push(async move { (i, handled.await) });
            }
            Some((i, t)) = handling.next(), if !handling.is_empty() => results[i] = Some(t),
        }
    }
    results
        .into_iter()
        .map(|t| t.expect("every source's fetch ends with a result"))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Instant;

    use axum::Router;
    use axum::body::{Body, Bytes};
    use axum::extract::Path;
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;

    use super::*;
    use crate::model::Source;

    /// `<rss version="2.0"><channel><title>zipped</title></channel></rss>`, gzipped.
    const GZIPPED: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xb3\x29\x2a\x2e\x56\x28\x4b\x2d\x2a\xce\xcc\xcf\xb3\x55\x32\xd2\x33\x50\xb2\xb3\x49\xce\x48\xcc\xcb\x4b\xcd\xb1\xb3\x29\xc9\x2c\xc9\x49\xb5\xab\xca\x2c\x28\x48\x4d\xb1\xd1\x87\xf0\x6c\xf4\xe1\xd2\xfa\x40\xbd\x76\x00\x25\xd6\x80\x2d\x41\x00\x00\x00";

    /// The request headers a test server saw, one entry per request.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<HeaderMap>>>);

    impl Seen {
        /// Records a request; returns how many came before it.
        fn hit(&self, headers: HeaderMap) -> usize {
            let mut v = self.0.lock().unwrap();
            v.push(headers);
            v.len() - 1
        }
        fn count(&self) -> usize {
            self.0.lock().unwrap().len()
        }
        fn header(&self, i: usize, name: header::HeaderName) -> Option<String> {
            self.0.lock().unwrap()[i]
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        }
    }

    async fn serve(app: Router) -> url::Url {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url::Url::parse(&format!("http://{addr}/")).unwrap()
    }

    fn cfg() -> FetchConfig {
        FetchConfig {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            retries: 2,
            retry_backoff: Duration::from_millis(20),
            ..FetchConfig::default()
        }
    }

    fn now() -> DateTime<Utc> {
        "2025-06-01T00:00:00Z".parse().unwrap()
    }

    async fn fetch_with(cfg: &FetchConfig, url: &url::Url, v: &Validators<'_>) -> Result<Fetched, Error> {
        Fetcher::build(cfg, false)
            .unwrap()
            .fetch(&Location::Http(url.clone()), v, now())
            .await
    }

    async fn fetch(url: &url::Url) -> Result<Fetched, Error> {
        fetch_with(&cfg(), url, &Validators::default()).await
    }

    fn doc(r: Result<Fetched, Error>) -> RawDocument {
        match r {
            Ok(Fetched::Document(d)) => d,
            other => panic!("expected a document, got {other:?}"),
        }
    }

    fn redirect(status: StatusCode, to: &str) -> Response {
        (status, [(header::LOCATION, to.to_string())]).into_response()
    }

    /// A router whose `/feed` answers "feed" and counts requests.
    fn feed_route(app: Router, seen: &Seen) -> Router {
        let seen = seen.clone();
        app.route(
            "/feed",
            get(move |h: HeaderMap| async move {
                seen.hit(h);
                "feed"
            }),
        )
    }

    #[tokio::test]
    async fn conditional_get_sends_validators_and_304_is_not_modified() {
        let seen = Seen::default();
        let s = seen.clone();
        let app = Router::new().route(
            "/feed",
            get(move |h: HeaderMap| async move {
                let i = s.hit(h);
                if s.header(i, header::IF_NONE_MATCH).as_deref() == Some("\"v1\"") {
                    (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"v2\"")]).into_response()
                } else {
                    (
                        [
                            (header::ETAG, "\"v1\""),
                            (header::LAST_MODIFIED, "Sat, 31 May 2025 12:00:00 GMT"),
                        ],
                        "feed",
                    )
                        .into_response()
                }
            }),
        );
        let base = serve(app).await;
        let url = base.join("feed").unwrap();
        let first = doc(fetch(&url).await);
        assert_eq!(first.bytes, b"feed");
        assert_eq!(first.etag.as_deref(), Some("\"v1\""));
        assert_eq!(first.last_modified.as_deref(), Some("Sat, 31 May 2025 12:00:00 GMT"));
        assert_eq!(first.moved_to, None);
        assert_eq!(seen.header(0, header::IF_NONE_MATCH), None);

        let v = Validators {
            etag: first.etag.as_deref(),
            last_modified: first.last_modified.as_deref(),
        };
        match fetch_with(&cfg(), &url, &v).await {
            Ok(Fetched::NotModified(nm)) => {
                assert_eq!(nm.etag.as_deref(), Some("\"v2\""));
                assert_eq!(nm.last_modified, None);
                assert_eq!(nm.moved_to, None);
            }
            other => panic!("expected 304, got {other:?}"),
        }
        assert_eq!(seen.count(), 2);
        assert_eq!(seen.header(1, header::IF_NONE_MATCH).as_deref(), Some("\"v1\""));
        assert_eq!(
            seen.header(1, header::IF_MODIFIED_SINCE).as_deref(),
            Some("Sat, 31 May 2025 12:00:00 GMT")
        );
    }

    #[tokio::test]
    async fn files_give_documents_whatever_the_validators() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xml");
        std::fs::write(&path, "<rss/>").unwrap();
        let v = Validators {
            etag: Some("\"x\""),
            last_modified: None,
        };
        let fetcher = Fetcher::build(&cfg(), false).unwrap();
        let d = doc(fetcher.fetch(&Location::File(path.clone()), &v, now()).await);
        assert_eq!(d.bytes, b"<rss/>");
        assert_eq!(d.final_url, url::Url::from_file_path(&path).ok());
    }

    /// Regression (issue 19, item 3): `url = "/dev/zero"` read until allocation failed, and
    /// a FIFO hung the run forever, timeout or not. Local reads obey `max_bytes` and
    /// `timeout`, and only regular files are read.
    #[cfg(unix)]
    #[tokio::test]
    async fn local_files_obey_max_bytes_and_only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = FetchConfig {
            max_bytes: 1000,
            timeout: Duration::from_secs(2),
            ..cfg()
        };
        let fetcher = Fetcher::build(&cfg, false).unwrap();
        let v = Validators::default();
        let started = Instant::now();
        let e = fetcher
            .fetch(&Location::File("/dev/zero".into()), &v, now())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let fifo = dir.path().join("feed.fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let e = fetcher.fetch(&Location::File(fifo), &v, now()).await.unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = fetcher
            .fetch(&Location::File(dir.path().to_path_buf()), &v, now())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "nothing waited for the timeout"
        );
        let big = dir.path().join("big.xml");
        std::fs::write(&big, vec![b' '; 1001]).unwrap();
        let e = fetcher
            .fetch(&Location::File(big.clone()), &v, now())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::TooLarge { limit: 1000, .. }), "{e}");
        std::fs::write(&big, vec![b' '; 1000]).unwrap();
        assert_eq!(
            doc(fetcher.fetch(&Location::File(big), &v, now()).await).bytes.len(),
            1000
        );
        // A symbolic link to a regular file is that file.
        let link = dir.path().join("link.xml");
        std::os::unix::fs::symlink(dir.path().join("big.xml"), &link).unwrap();
        assert_eq!(
            doc(fetcher.fetch(&Location::File(link), &v, now()).await).bytes.len(),
            1000
        );
    }

    #[tokio::test]
    async fn permanent_redirects_set_moved_to() {
        let seen = Seen::default();
        let app = feed_route(Router::new(), &seen)
            .route(
                "/301",
                get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/feed") }),
            )
            .route(
                "/308a",
                get(|| async { redirect(StatusCode::PERMANENT_REDIRECT, "/308b") }),
            )
            .route(
                "/308b",
                get(|| async { redirect(StatusCode::PERMANENT_REDIRECT, "/feed") }),
            )
            .route("/302", get(|| async { redirect(StatusCode::FOUND, "/301") }))
            .route(
                "/307",
                get(|| async { redirect(StatusCode::TEMPORARY_REDIRECT, "/feed") }),
            )
            .route(
                "/301-304",
                get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/304") }),
            )
            .route("/304", get(|| async { StatusCode::NOT_MODIFIED }));
        let base = serve(app).await;
        let feed = base.join("feed").unwrap();

        let d = doc(fetch(&base.join("301").unwrap()).await);
        assert_eq!(d.bytes, b"feed");
        assert_eq!(d.moved_to.as_ref(), Some(&feed));
        assert_eq!(d.final_url.as_ref(), Some(&feed));

        let d = doc(fetch(&base.join("308a").unwrap()).await);
        assert_eq!(d.moved_to.as_ref(), Some(&feed));

        // 302 then 301: a temporary hop anywhere means no move.
        let d = doc(fetch(&base.join("302").unwrap()).await);
        assert_eq!(d.bytes, b"feed");
        assert_eq!(d.moved_to, None);
        assert_eq!(d.final_url.as_ref(), Some(&feed));

        let d = doc(fetch(&base.join("307").unwrap()).await);
        assert_eq!(d.moved_to, None);

        let v = Validators {
            etag: Some("\"e\""),
            last_modified: None,
        };
        match fetch_with(&cfg(), &base.join("301-304").unwrap(), &v).await {
            Ok(Fetched::NotModified(nm)) => assert_eq!(nm.moved_to, base.join("304").ok()),
            other => panic!("expected 304, got {other:?}"),
        }
        assert_eq!(seen.count(), 4, "each chain reached /feed once");
    }

    #[tokio::test]
    async fn redirect_loops_and_long_chains_fail() {
        let seen = Seen::default();
        let s = seen.clone();
        let app = Router::new()
            .route("/a", get(|| async { redirect(StatusCode::FOUND, "/b") }))
            .route("/b", get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/a") }))
            .route("/self", get(|| async { redirect(StatusCode::FOUND, "/self") }))
            .route(
                "/hop/{n}",
                get(move |Path(n): Path<usize>, h: HeaderMap| async move {
                    s.hit(h);
                    redirect(StatusCode::MOVED_PERMANENTLY, &format!("/hop/{}", n + 1))
                }),
            )
            .route(
                "/five/{n}",
                get(|Path(n): Path<usize>| async move {
                    if n < 5 {
                        redirect(StatusCode::MOVED_PERMANENTLY, &format!("/five/{}", n + 1))
                    } else {
                        "end".into_response()
                    }
                }),
            );
        let base = serve(app).await;
        let a = base.join("a").unwrap();
        let e = fetch(&a).await.unwrap_err();
        assert!(
            matches!(&e, Error::RedirectLoop { url } if *url == a.to_string()),
            "{e:?}"
        );
        assert_eq!(e.to_string(), format!("{a}: redirect loop"));
        let e = fetch(&base.join("self").unwrap()).await.unwrap_err();
        assert!(matches!(e, Error::RedirectLoop { .. }), "{e:?}");

        // Five redirects are followed; the sixth is refused.
        let d = doc(fetch(&base.join("five/0").unwrap()).await);
        assert_eq!(d.bytes, b"end");
        assert_eq!(d.moved_to, base.join("five/5").ok());
        let e = fetch(&base.join("hop/0").unwrap()).await.unwrap_err();
        assert!(matches!(e, Error::TooManyRedirects { .. }), "{e:?}");
        assert_eq!(e.stage(), crate::error::Stage::Fetch);
        assert!(e.to_string().ends_with("more than 5 redirects"), "{e}");
        assert_eq!(seen.count(), 1 + MAX_REDIRECTS, "not retried");
    }

    #[tokio::test]
    async fn gone_and_retry_after() {
        let seen = Seen::default();
        let (s1, s2, s3) = (seen.clone(), seen.clone(), seen.clone());
        let app = Router::new()
            .route(
                "/gone",
                get(move |h: HeaderMap| async move {
                    s1.hit(h);
                    StatusCode::GONE
                }),
            )
            .route(
                "/busy",
                get(move |h: HeaderMap| async move {
                    s2.hit(h);
                    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "120")])
                }),
            )
            .route(
                "/down",
                get(move |h: HeaderMap| async move {
                    s3.hit(h);
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "Sun, 01 Jun 2025 03:30:00 GMT")],
                    )
                }),
            );
        let base = serve(app).await;
        let gone = base.join("gone").unwrap();
        let e = fetch(&gone).await.unwrap_err();
        assert!(matches!(&e, Error::Gone { url } if *url == gone.to_string()), "{e:?}");
        assert!(
            e.to_string().contains("410") && e.to_string().contains("delete its [[feed]]"),
            "{e}"
        );
        assert_eq!(e.stage(), crate::error::Stage::Fetch);

        match fetch(&base.join("busy").unwrap()).await.unwrap_err() {
            Error::RetryLater { status, until, .. } => {
                assert_eq!(status, 429);
                assert_eq!(until, now() + TimeDelta::seconds(120));
            }
            e => panic!("expected RetryLater, got {e:?}"),
        }
        let e = fetch(&base.join("down").unwrap()).await.unwrap_err();
        match &e {
            Error::RetryLater { status, until, .. } => {
                assert_eq!(*status, 503);
                assert_eq!(*until, "2025-06-01T03:30:00Z".parse::<DateTime<Utc>>().unwrap());
            }
            e => panic!("expected RetryLater, got {e:?}"),
        }
        assert_eq!(e.stage(), crate::error::Stage::Fetch);
        assert!(e.to_string().contains("2025-06-01 03:30:00 UTC"), "{e}");
        assert_eq!(seen.count(), 3, "none of them retried");
    }

    #[test]
    fn retry_after_forms_and_cap() {
        let t = now();
        assert_eq!(retry_after("0", t), Some(t));
        assert_eq!(retry_after(" 60 ", t), Some(t + TimeDelta::seconds(60)));
        assert_eq!(retry_after("99999999999999999999999", t), Some(t + MAX_RETRY_AFTER));
        assert_eq!(
            retry_after("Sun, 01 Jun 2025 00:01:00 GMT", t),
            Some(t + TimeDelta::minutes(1))
        );
        assert_eq!(
            retry_after("Sunday, 01-Jun-25 00:02:00 GMT", t),
            Some(t + TimeDelta::minutes(2))
        );
        assert_eq!(
            retry_after("Sun Jun  1 00:03:00 2025", t),
            Some(t + TimeDelta::minutes(3))
        );
        // The past is now; next year is a week.
        assert_eq!(retry_after("Sat, 31 May 2025 00:00:00 GMT", t), Some(t));
        assert_eq!(
            retry_after("Mon, 01 Jun 2026 00:00:00 GMT", t),
            Some(t + MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after("soon", t), None);
        assert_eq!(retry_after("-5", t), None);
        assert_eq!(retry_after("", t), None);
    }

    #[tokio::test]
    async fn transient_statuses_are_retried_with_backoff_and_others_are_not() {
        let (flaky, broken, missing, busy) = (Seen::default(), Seen::default(), Seen::default(), Seen::default());
        let (f, b, m, y) = (flaky.clone(), broken.clone(), missing.clone(), busy.clone());
        let app = Router::new()
            .route(
                "/flaky",
                get(move |h: HeaderMap| async move {
                    if f.hit(h) == 0 {
                        StatusCode::INTERNAL_SERVER_ERROR.into_response()
                    } else {
                        "feed".into_response()
                    }
                }),
            )
            .route(
                "/broken",
                get(move |h: HeaderMap| async move {
                    b.hit(h);
                    StatusCode::INTERNAL_SERVER_ERROR
                }),
            )
            .route(
                "/missing",
                get(move |h: HeaderMap| async move {
                    m.hit(h);
                    StatusCode::NOT_FOUND
                }),
            )
            .route(
                "/busy",
                get(move |h: HeaderMap| async move {
                    y.hit(h);
                    StatusCode::SERVICE_UNAVAILABLE
                }),
            );
        let base = serve(app).await;

        let d = doc(fetch(&base.join("flaky").unwrap()).await);
        assert_eq!(d.bytes, b"feed");
        assert_eq!(flaky.count(), 2);

        let started = Instant::now();
        let url = base.join("broken").unwrap();
        let e = fetch(&url).await.unwrap_err();
        assert!(
            matches!(&e, Error::HttpStatus { status: 500, url: u } if *u == url.to_string()),
            "{e:?}"
        );
        assert_eq!(broken.count(), 1 + 2, "1 + retries attempts");
        // Backoff 20 ms, then 40 ms.
        assert!(
            started.elapsed() >= Duration::from_millis(60),
            "{:?}",
            started.elapsed()
        );

        let e = fetch(&base.join("missing").unwrap()).await.unwrap_err();
        assert!(matches!(e, Error::HttpStatus { status: 404, .. }), "{e:?}");
        assert_eq!(missing.count(), 1);

        // 503 without Retry-After is an ordinary status after the retries; retries = 0 means one try.
        let e = fetch_with(
            &FetchConfig { retries: 0, ..cfg() },
            &base.join("busy").unwrap(),
            &Validators::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::HttpStatus { status: 503, .. }), "{e:?}");
        assert_eq!(busy.count(), 1);
        let e = fetch(&base.join("busy").unwrap()).await.unwrap_err();
        assert!(matches!(e, Error::HttpStatus { status: 503, .. }), "{e:?}");
        assert_eq!(busy.count(), 1 + 3);
    }

    #[tokio::test]
    async fn gzip_is_asked_for_and_decoded() {
        let seen = Seen::default();
        let s = seen.clone();
        let app = Router::new().route(
            "/z",
            get(move |h: HeaderMap| async move {
                s.hit(h);
                (
                    [
                        (header::CONTENT_ENCODING, "gzip"),
                        (header::CONTENT_TYPE, "application/rss+xml"),
                    ],
                    GZIPPED,
                )
            }),
        );
        let base = serve(app).await;
        let d = doc(fetch(&base.join("z").unwrap()).await);
        assert_eq!(
            String::from_utf8(d.bytes).unwrap(),
            "<rss version=\"2.0\"><channel><title>zipped</title></channel></rss>"
        );
        assert_eq!(d.content_type.as_deref(), Some("application/rss+xml"));
        let accept = seen.header(0, header::ACCEPT_ENCODING).unwrap_or_default();
        for coding in ["gzip", "br", "deflate"] {
            assert!(accept.contains(coding), "Accept-Encoding: {accept}");
        }
        assert!(seen.header(0, header::USER_AGENT).unwrap().starts_with("feedmux/"));
    }

    /// An endless body: `chunk` bytes every `every`.
    fn endless(chunk: usize, every: Duration) -> Body {
        Body::from_stream(futures::stream::unfold((), move |()| async move {
            tokio::time::sleep(every).await;
            Some((Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; chunk])), ()))
        }))
    }

    #[tokio::test]
    async fn bodies_over_max_bytes_are_cut_off() {
        let app = Router::new()
            // Declares far more than the limit, then stalls: only the header can end this early.
            .route(
                "/declared",
                get(|| async {
                    Response::builder()
                        .header(header::CONTENT_LENGTH, "50000000")
                        .body(endless(1, Duration::from_secs(3600)))
                        .unwrap()
                }),
            )
            // Chunked, no Content-Length, never ends.
            .route("/streamed", get(|| async { endless(1000, Duration::from_millis(1)) }))
            .route("/fits", get(|| async { vec![b'y'; 1000] }));
        let base = serve(app).await;
        let small = FetchConfig {
            max_bytes: 10_000,
            ..cfg()
        };
        let started = Instant::now();
        let url = base.join("declared").unwrap();
        let e = fetch_with(&small, &url, &Validators::default()).await.unwrap_err();
        assert!(
            matches!(&e, Error::TooLarge { limit: 10_000, url: u } if *u == url.to_string()),
            "{e:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));

        let e = fetch_with(&small, &base.join("streamed").unwrap(), &Validators::default())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::TooLarge { limit: 10_000, .. }), "{e:?}");

        let tight = FetchConfig {
            max_bytes: 1000,
            ..cfg()
        };
        let d = doc(fetch_with(&tight, &base.join("fits").unwrap(), &Validators::default()).await);
        assert_eq!(d.bytes.len(), 1000);
        let e = fetch_with(
            &FetchConfig {
                max_bytes: 999,
                ..cfg()
            },
            &base.join("fits").unwrap(),
            &Validators::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::TooLarge { limit: 999, .. }), "{e:?}");
    }

    #[tokio::test]
    async fn a_slow_drip_fails_at_the_timeout_without_retries() {
        let seen = Seen::default();
        let s = seen.clone();
        let app = Router::new().route(
            "/drip",
            get(move |h: HeaderMap| async move {
                s.hit(h);
                endless(1, Duration::from_millis(20))
            }),
        );
        let base = serve(app).await;
        let quick = FetchConfig {
            timeout: Duration::from_millis(300),
            ..cfg()
        };
        let started = Instant::now();
        let e = fetch_with(&quick, &base.join("drip").unwrap(), &Validators::default())
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(&e, Error::Fetch { message, .. } if message.contains("timed out")),
            "{e:?}"
        );
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        assert_eq!(seen.count(), 1);
    }

    #[tokio::test]
    async fn refused_connections_are_retried_then_reported() {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // The listener is gone: connecting is refused.
        let url = url::Url::parse(&format!("http://{addr}/feed")).unwrap();
        let started = Instant::now();
        let e = fetch(&url).await.unwrap_err();
        assert!(
            matches!(&e, Error::Fetch { message, .. } if message.starts_with("could not connect")),
            "{e:?}"
        );
        // Two retries waited 20 ms and 40 ms: refusals were retried.
        assert!(
            started.elapsed() >= Duration::from_millis(60),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn connect_timeouts_are_retried_then_reported() {
        // A listener with a full accept queue that never accepts: the kernel drops further SYNs.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut fillers = Vec::new();
        for _ in 0..4 {
            let s = tokio::net::TcpSocket::new_v4().unwrap();
            if let Ok(Ok(c)) = tokio::time::timeout(Duration::from_millis(100), s.connect(addr)).await {
                fillers.push(c);
            }
        }
        let quick = FetchConfig {
            connect_timeout: Duration::from_millis(200),
            retries: 1,
            ..cfg()
        };
        let url = url::Url::parse(&format!("http://{addr}/feed")).unwrap();
        let started = Instant::now();
        let e = fetch_with(&quick, &url, &Validators::default()).await.unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(&e, Error::Fetch { message, .. } if message.starts_with("could not connect (timed out)")),
            "{e:?}"
        );
        // Two attempts of 200 ms each plus 20 ms backoff, well inside the 5 s overall timeout.
        assert!(
            took >= Duration::from_millis(420) && took < Duration::from_secs(3),
            "{took:?}"
        );
        drop(listener);
    }

    #[tokio::test]
    async fn fetch_all_pairs_validators_with_sources_in_config_order() {
        let seen = Seen::default();
        let s = seen.clone();
        let app = Router::new().route(
            "/{name}",
            get(move |Path(name): Path<String>, h: HeaderMap| async move {
                let i = s.hit(h);
                match s.header(i, header::IF_NONE_MATCH) {
                    Some(tag) if tag == format!("\"{name}\"") => StatusCode::NOT_MODIFIED.into_response(),
                    _ => name.into_response(),
                }
            }),
        );
        let base = serve(app).await;
        let sources: Vec<Source> = ["a", "b", "c"]
            .iter()
            .map(|n| Source {
                name: n.to_string(),
                url: base.join(n).unwrap().to_string(),
                location: Location::Http(base.join(n).unwrap()),
                timezone: chrono_tz::UTC,
                kind: crate::model::SourceKind::Feed,
                category: None,
            })
            .collect();
        // Only "b" has validators (and the right ones); "c" is past the end of the slice.
        let validators = [
            Validators::default(),
            Validators {
                etag: Some("\"b\""),
                last_modified: None,
            },
        ];
        let fetcher = Fetcher::build(&cfg(), false).unwrap();
        let locations: Vec<&Location> = sources.iter().map(|s| &s.location).collect();
        let got = fetch_all(&fetcher, &locations, &validators, 2, now(), |i, r| async move {
            match r {
                Ok(Fetched::Document(d)) => format!("{i}:{}", String::from_utf8(d.bytes).unwrap()),
                Ok(Fetched::NotModified(_)) => format!("{i}:304"),
                Err(e) => format!("{i}:{e}"),
            }
        })
        .await;
        assert_eq!(got, ["0:a", "1:304", "2:c"]);
        assert_eq!(seen.count(), 3);
    }

    #[tokio::test]
    async fn a_source_frees_its_place_in_flight_once_read_while_its_document_is_handled() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        // The server counts the requests it answered and the most it had in hand at once;
        // it answers s2 only once s3 was asked for too (both in flight together).
        #[derive(Default)]
        struct Load {
            answered: AtomicUsize,
            now: AtomicUsize,
            most: AtomicUsize,
            s3_asked: AtomicBool,
        }
        let load = Arc::new(Load::default());
        let l = Arc::clone(&load);
        let app = Router::new().route(
            "/{name}",
            get(move |Path(name): Path<String>| {
                let l = Arc::clone(&l);
                async move {
                    let n = l.now.fetch_add(1, Ordering::SeqCst) + 1;
                    l.most.fetch_max(n, Ordering::SeqCst);
                    if name == "s3" {
                        l.s3_asked.store(true, Ordering::SeqCst);
                    }
                    while name == "s2" && !l.s3_asked.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    l.now.fetch_sub(1, Ordering::SeqCst);
                    l.answered.fetch_add(1, Ordering::SeqCst);
                    name
                }
            }),
        );
        let base = serve(app).await;
        let locations: Vec<Location> = (0..6)
            .map(|k| Location::Http(base.join(&format!("s{k}")).unwrap()))
            .collect();
        let fetcher = Fetcher::build(&cfg(), false).unwrap();
        let no_validators: [Validators<'static>; 0] = [];
        // The first document is handled only once s2 and s3 were answered: both places in
        // flight must serve other sources while it waits (were its place held until it is
        // handled, s2 would wait for s3 and s3 for a place).
        let got = tokio::time::timeout(
            Duration::from_secs(20),
            fetch_all(&fetcher, &locations, &no_validators, 2, now(), |i, r| {
                let load = Arc::clone(&load);
                async move {
                    while i == 0 && load.answered.load(Ordering::SeqCst) < 4 {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    String::from_utf8(doc(r).bytes).unwrap()
                }
            }),
        )
        .await
        .expect("the fetching went on while the first document was handled");
        let expected: Vec<String> = (0..6).map(|k| format!("s{k}")).collect();
        assert_eq!(got, expected);
        assert_eq!(load.answered.load(Ordering::SeqCst), 6);
        assert!(load.most.load(Ordering::SeqCst) <= 2, "more than 2 requests in flight");
    }
}
