//! Helpers shared by the end-to-end tests: the binary, a loopback HTTP server, a copy of
//! the default config in a temporary folder, and independent readers of the outputs.
#![allow(dead_code, reason = "each test crate uses a different subset")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use axum::Router;

pub const NOW: &str = "2019-04-26T12:00:00+07:00";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn feedmux() -> Command {
    Command::cargo_bin("feedmux").expect("the binary is built")
}

/// A copy of the default config and its samples in a temporary folder.
pub fn default_setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("feeds.toml"), dir.path().join("feeds.toml")).unwrap();
    let samples = dir.path().join("samples");
    std::fs::create_dir(&samples).unwrap();
    for e in std::fs::read_dir(repo().join("samples")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), samples.join(e.file_name())).unwrap();
    }
    dir
}

/// A loopback server on 127.0.0.1 serving fixed routes, alive while the runtime lives.
pub struct Server {
    addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

impl Server {
    pub fn start(app: Router) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { addr, _rt: rt }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// Every file under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every file under `dir` (its path relative to `dir`) with its bytes, sorted by path.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

pub fn run_ok(dir: &Path) {
    feedmux()
        .current_dir(dir)
        .args(["run", "--now", NOW])
        .assert()
        .success();
}

pub fn read_feed(path: &Path) -> feed_rs::model::Feed {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn validate_json_feed(path: &Path) -> serde_json::Value {
    let schema_dir = repo().join("tests");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_dir.join("jsonfeed-1.1.schema.json")).unwrap()).unwrap();
    let schema10: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_dir.join("jsonfeed-1.0.schema.json")).unwrap()).unwrap();
    // The 1.1 schema refers to the 1.0 one by this URI; serve it from the local copy.
    let opts = jsonschema::options().should_validate_formats(true).with_resource(
        "https://json.schemastore.org/feed-1",
        jsonschema::Resource::from_contents(schema10),
    );
    let validator = opts.build(&schema).expect("the schema compiles");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    doc
}
