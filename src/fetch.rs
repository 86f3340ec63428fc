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
    pub async fn fetch(&self, location: &Location, now: DateTime<Utc>) -> Result<RawDocument, Error> {
        match location {
            Location::File(path) => {
                let bytes = tokio::fs::read(path).await.map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                Ok(RawDocument {
                    bytes,
                    content_type: None,
                    final_url: url::Url::from_file_path(path).ok(),
                    base_url: url::Url::from_file_path(path).ok(),
                    fetched_at: now,
                })
            }
            Location::Http(url) => {
                let gate = self.host_gate(url.host_str().unwrap_or(""));
                let _permit = gate.acquire_owned().await.map_err(|e| Error::Fetch {
                    url: url.to_string(),
                    message: e.to_string(),
                })?;
                self.get(url, now).await
            }
        }
    }

    async fn get(&self, url: &url::Url, now: DateTime<Utc>) -> Result<RawDocument, Error> {
        let ferr = |e: reqwest::Error| Error::Fetch {
            url: url.to_string(),
            message: describe(&e),
        };
        let resp = self.client.get(url.clone()).send().await.map_err(ferr)?;
        let status = resp.status();
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
        Ok(RawDocument {
            bytes,
            content_type,
            final_url: Some(final_url),
            base_url: Some(base_url),
            fetched_at: now,
        })
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
    concurrency: usize,
    now: DateTime<Utc>,
    then: F,
) -> Vec<T>
where
    F: Fn(usize, Result<RawDocument, Error>) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut results: Vec<(usize, T)> = futures::stream::iter(sources.iter().enumerate())
        .map(|(i, s)| {
            let then = &then;
            async move {
                let r = fetcher.fetch(&s.location, now).await;
                (i, then(i, r).await)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, t)| t).collect()
}
