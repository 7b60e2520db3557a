//! Tidy checks over the source tree: module docs, shortcoming marks, and no printing in the
//! library crates. They keep the house rules true without a reviewer having to remember them.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<(PathBuf, String)> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "tests", "fuzz"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(
        !files.is_empty(),
        "no Rust sources found under `{}`",
        root.display()
    );
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("source is UTF-8");
            (path, text)
        })
        .collect()
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let missing: Vec<_> = all_sources()
        .into_iter()
        .filter(|(_, text)| !text.trim_start().starts_with("//!"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` paragraph: {missing:#?}"
    );
}

/// The house mark, spelled in pieces so that this file does not trip the plain-text mark checks
/// (the pre-stop hook greps every file, this one included).
const HOUSE_MARK: &str = concat!("FIX", "ME");

#[test]
fn shortcomings_are_marked_fixme_with_an_issue_number() {
    let marks = [
        concat!("TO", "DO"),
        HOUSE_MARK,
        concat!("XX", "X"),
        concat!("HA", "CK"),
    ];
    let mut bad = Vec::new();
    for (path, text) in all_sources() {
        for (idx, line) in text.lines().enumerate() {
            let has_mark = marks.iter().any(|mark| line.contains(mark));
            if has_mark && !is_well_formed_fixme(line) && !path.ends_with("tidy.rs") {
                bad.push(format!("{}:{}: {}", path.display(), idx + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "marks not in the form `{HOUSE_MARK}(#N): reason`: {bad:#?}"
    );
}

fn is_well_formed_fixme(line: &str) -> bool {
    let opening = format!("{HOUSE_MARK}(#");
    let Some(pos) = line.find(&opening) else {
        return false;
    };
    let rest = &line[pos + opening.len()..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with("): ")
}

#[test]
fn library_crates_do_not_print() {
    let root = workspace_root().join("crates");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut bad = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path).expect("source is UTF-8");
        let in_tests = path
            .components()
            .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "benches");
        if in_tests {
            continue;
        }
        for (idx, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if ["println!", "eprintln!", "print!", "eprint!", "dbg!"]
                .iter()
                .any(|m| code.starts_with(m))
            {
                bad.push(format!("{}:{}", path.display(), idx + 1));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "library code prints (report through return values instead): {bad:#?}"
    );
}

#[test]
fn fixme_detector_accepts_only_the_house_form() {
    assert!(is_well_formed_fixme(&format!(
        "// {HOUSE_MARK}(#2): deep abi3 checks"
    )));
    assert!(!is_well_formed_fixme(&format!("// {HOUSE_MARK}: later")));
    assert!(!is_well_formed_fixme(&format!("// {HOUSE_MARK}(#): x")));
    assert!(!is_well_formed_fixme(concat!("// TO", "DO(#2): x")));
}
