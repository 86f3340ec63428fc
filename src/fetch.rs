//! Getting a source's bytes: HTTP(S) with reqwest, or a local file.
//!
//! The one concurrent stage: a bounded number of requests in flight overall and per host.
//! Touches the network and reads the files named in the config; nothing else.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use tokio::sync::Semaphore;

use crate::config::FetchConfig;
use crate::error::Error;
use crate::model::{Location, Source};

/// Largest body read from a server; more is cut off and reported.
pub const MAX_BYTES: u64 = 20 * 1024 * 1024;

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
    /// Validators the server sent, for the next conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The final URL when every redirect on the way was permanent (301 or 308).
    pub moved_to: Option<url::Url>,
}

/// Validators from the last successful fetch, sent as If-None-Match / If-Modified-Since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What a fetch produced.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per source at a time; the document is the common case"
)]
pub enum Fetched {
    Document(RawDocument),
    /// HTTP 304: the stored copy is current.
    NotModified(NotModified),
}

/// A 304 answer: any new validators, and a permanent redirect on the way.
#[derive(Debug, Clone, Default)]
pub struct NotModified {
    pub moved_to: Option<url::Url>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A configured HTTP client plus per-host limits.
pub struct Fetcher {
    client: reqwest::Client,
    per_host: usize,
    hosts: std::sync::Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Fetcher {
    pub fn new(cfg: &FetchConfig) -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| Error::Fetch {
                url: String::new(),
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Fetcher {
            client,
            per_host: cfg.per_host,
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

    /// Fetches one location.
    pub async fn fetch(
        &self,
        location: &Location,
        validators: &Validators,
        now: DateTime<Utc>,
    ) -> Result<Fetched, Error> {
        match location {
            Location::File(path) => {
                let bytes = tokio::fs::read(path).await.map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
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

    async fn get(&self, url: &url::Url, validators: &Validators, now: DateTime<Utc>) -> Result<Fetched, Error> {
        let ferr = |e: reqwest::Error| Error::Fetch {
            url: url.to_string(),
            message: describe(&e),
        };
        let mut req = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(ferr)?;
        let status = resp.status();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified(NotModified {
                moved_to: None,
                etag,
                last_modified,
            }));
        }
        if !status.is_success() {
            return Err(Error::HttpStatus {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let final_url = resp.url().clone();
        let base_url = resp
            .headers()
            .get(reqwest::header::CONTENT_LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|loc| final_url.join(loc.trim()).ok())
            .unwrap_or_else(|| final_url.clone());
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if resp.content_length().is_some_and(|l| l > MAX_BYTES) {
            return Err(Error::TooLarge {
                url: url.to_string(),
                limit: MAX_BYTES,
            });
        }
        let mut bytes = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(ferr)?;
            if bytes.len() as u64 + chunk.len() as u64 > MAX_BYTES {
                return Err(Error::TooLarge {
                    url: url.to_string(),
                    limit: MAX_BYTES,
                });
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
            moved_to: None,
        }))
    }
}

/// A reqwest error in words, with its cause chain.
fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_redirect() {
        "too many redirects (or a redirect loop)".to_string()
    } else {
        e.to_string()
    };
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// Fetches every source with bounded concurrency and hands each result to `then` as it arrives
/// (in completion order); returns `then`'s results in config order.
pub async fn fetch_all<T, F, Fut>(
    fetcher: &Fetcher,
    sources: &[Source],
    validators: &[Validators],
    concurrency: usize,
    now: DateTime<Utc>,
    then: F,
) -> Vec<T>
where
    F: Fn(usize, Result<Fetched, Error>) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut results: Vec<(usize, T)> = futures::stream::iter(sources.iter().enumerate())
        .map(|(i, s)| {
            let then = &then;
            async move {
                let none = Validators::default();
                let r = fetcher
                    .fetch(&s.location, validators.get(i).unwrap_or(&none), now)
                    .await;
                (i, then(i, r).await)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, t)| t).collect()
}
