//! The layers of the library, enforced: each stage may use the stages below it and never one
//! above, and no two modules use each other. The order (README, "How it is built"):
//!
//! ```text
//! util, error → model → config → ingest → arrange → state → output → tools → pipeline → cli
//! ```
//!
//! Read from the source: every `crate::` path in `src/` (in `use` lines or inline), outside
//! `#[cfg(test)]` modules (inline, or files declared so), names the module it reaches into. `main.rs` and `src/cli/` are the
//! binary: they use the library by its name and are not checked here.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules of the library, lowest first. `tools` (explain, suggest, discover,
/// OPML import and export) may use every stage below the pipeline; the pipeline drives them.
const LAYERS: &[(&str, u32)] = &[
    ("util", 0),
    ("error", 0),
    ("model", 1),
    ("config", 2),
    ("ingest", 3),
    ("arrange", 4),
    ("state", 5),
    ("output", 6),
    ("tools", 7),
    ("pipeline", 8),
];

fn layer(top: &str) -> Option<u32> {
    LAYERS.iter().find(|(name, _)| *name == top).map(|&(_, l)| l)
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = common::files(dir);
    out.retain(|p| p.extension().is_some_and(|x| x == "rs"));
    out
}

/// The module path of a file (`src/ingest/parse/mod.rs` → `["ingest", "parse"]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The text of a file without its test modules (a `#[cfg(test)]` item and everything after
/// it at the same or deeper indentation: tests may reach anywhere) and without comments.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut skip_from: Option<usize> = None;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        if let Some(level) = skip_from {
            if line.trim().is_empty() || indent > level || line.trim_start().starts_with('}') && indent == level {
                if line.trim_start().starts_with('}') && indent == level {
                    skip_from = None;
                }
                continue;
            }
            skip_from = None;
        }
        if line.trim_start().starts_with("#[cfg(test)]") {
            // A one-line item (`#[cfg(test)] mod tests;` or a `use`) or a block.
            if let Some(next) = lines.peek()
                && (next.trim_end().ends_with('{') || next.trim_end().ends_with('('))
            {
                skip_from = Some(indent);
            }
            lines.next();
            continue;
        }
        let code = line.split("//").next().unwrap_or_default();
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The modules a file's code reaches into with `crate::` paths (each as its path segments).
fn reached(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `use crate::{a, b::c}` groups.
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                out.push(path_segments(part.trim()));
            }
        } else {
            out.push(path_segments(rest));
        }
    }
    out.into_iter().filter(|p| !p.is_empty()).collect()
}

fn path_segments(s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = s;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segs.push(rest[..end].to_string());
        match rest[end..].strip_prefix("::") {
            Some(more) if more.starts_with(|c: char| c.is_alphanumeric() || c == '_') => rest = more,
            _ => break,
        }
    }
    segs
}

struct Tree {
    /// Every module path of the library.
    modules: BTreeSet<Vec<String>>,
    /// Per module: the modules it reaches into.
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn tree() -> Tree {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<PathBuf> = sources(&src)
        .into_iter()
        .filter(|f| {
            let m = module_of(&src, f);
            !(m.first().is_some_and(|t| t == "main" || t == "cli"))
        })
        .collect();
    // Modules that are tests as a whole (`#[cfg(test)] mod tests;` in their parent's file):
    // tests may reach anywhere.
    let mut test_only: Vec<Vec<String>> = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let name = pair[1]
                .strip_prefix("pub(crate) ")
                .or_else(|| pair[1].strip_prefix("pub "))
                .unwrap_or(pair[1])
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'));
            if pair[0] == "#[cfg(test)]"
                && let Some(name) = name
            {
                let mut m = module_of(&src, f);
                m.push(name.to_string());
                test_only.push(m);
            }
        }
    }
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| {
            let m = module_of(&src, f);
            !test_only.iter().any(|t| m.starts_with(t))
        })
        .collect();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in &files {
        let from = module_of(&src, f);
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        for mut path in reached(&code) {
            // What lib.rs re-exports at the top names its module.
            match path[0].as_str() {
                "Config" => path = vec!["config".to_string()],
                "Error" | "Stage" => path = vec!["error".to_string()],
                _ => {}
            }
            // The longest prefix of the path that is a module.
            let to = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p))
                .unwrap_or_else(|| path[..1].to_vec());
            edges.entry(from.clone()).or_default().insert(to);
        }
    }
    Tree { modules, edges }
}

#[test]
fn no_module_uses_a_stage_above_its_own() {
    let t = tree();
    let mut wrong = Vec::new();
    for (from, tos) in &t.edges {
        let Some(top) = from.first() else { continue };
        let Some(here) = layer(top) else {
            // lib.rs declares the modules; nothing else may sit at the top.
            assert!(from.is_empty() || top == "lib", "module {from:?} is in no layer");
            continue;
        };
        for to in tos {
            let Some(there) = layer(&to[0]) else {
                wrong.push(format!("{} uses {}, in no layer", from.join("::"), to.join("::")));
                continue;
            };
            if there > here {
                wrong.push(format!("{} uses {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(wrong.is_empty(), "uses of a stage above:\n{}", wrong.join("\n"));
    // The check found the tree it checks.
    for top in [
        "util", "model", "config", "ingest", "arrange", "state", "output", "pipeline", "tools",
    ] {
        assert!(t.modules.contains(&vec![top.to_string()]), "no module {top}");
    }
}

#[test]
fn no_two_modules_use_each_other() {
    // Modules as the second level of the tree (`ingest::parse` with everything under it),
    // so that a module and its own children may refer to each other.
    let t = tree();
    let unit = |m: &Vec<String>| m[..m.len().min(2)].to_vec();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (from, tos) in &t.edges {
        if from.is_empty() {
            continue;
        }
        for to in tos {
            let (a, b) = (unit(from), unit(to));
            if a != b && !b.starts_with(&a) && !a.starts_with(&b) {
                graph.entry(a).or_default().insert(b);
            }
        }
    }
    // Depth-first search for a cycle.
    fn visit(
        n: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        path: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let at = path.iter().position(|p| p == n).unwrap_or(0);
                let mut cycle = path[at..].to_vec();
                cycle.push(n.clone());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n.clone(), 1);
        path.push(n.clone());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.clone(), 2);
        None
    }
    // Every cycle found, each reported once and then broken (its last edge left out), so
    // that one run names them all.
    let mut cycles = Vec::new();
    loop {
        let mut state = BTreeMap::new();
        let found = graph
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .iter()
            .find_map(|n| visit(n, &graph, &mut state, &mut Vec::new()));
        let Some(cycle) = found else { break };
        let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
        cycles.push(names.join(" → "));
        let (a, b) = (&cycle[cycle.len() - 2], &cycle[cycle.len() - 1]);
        graph.get_mut(a).map(|s| s.remove(b));
    }
    assert!(cycles.is_empty(), "modules that use each other:\n{}", cycles.join("\n"));
}

#[test]
fn the_reader_of_paths_sees_groups_and_skips_tests() {
    let code = code_of(
        "use crate::{model::Entry, util::escape};\nfn f() { crate::ingest::parse::x(); } // crate::pipeline\n\
         #[cfg(test)]\nmod tests {\n    use crate::pipeline::run;\n}\nuse crate::config;\n",
    );
    let mut got = reached(&code);
    got.sort();
    let want: Vec<Vec<String>> = [
        vec!["config"],
        vec!["ingest", "parse", "x"],
        vec!["model", "Entry"],
        vec!["util", "escape"],
    ]
    .iter()
    .map(|v| v.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(got, want);
}
