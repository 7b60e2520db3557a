//! Differential tests for sdists: each archive below is read by real Python `tarfile` (the path
//! pip takes, with `filter='data'`) and by `verify`. Python either sees different members than a
//! strict reader would, or accepts what the catalogue rejects; `verify` must reject every one.
//!
//! See: verify-rules.md §1.4 (tarfile accepts differential tars) and §5.3.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use pyship_tests::tarwriter::{self, FILENAME, Gzip, Header, ROOT, Tar, baseline_tar, gzip};
use pyship_verify::{Severity, Target, VerifyOptions, verify_bytes};
use serde_json::Value;

/// Lists members with `getmembers()` and extracts with `filter='data'`, printing JSON.
const TARFILE_SCRIPT: &str = r#"
import hashlib, json, os, sys, tarfile
path, dest = sys.argv[1], sys.argv[2]
out = {"members": [], "extracted": {}, "error": None}
try:
    with tarfile.open(path) as tar:
        out["members"] = [m.name for m in tar.getmembers()]
    with tarfile.open(path) as tar:
        tar.extractall(dest, filter="data")
    for root, dirs, files in os.walk(dest):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, dest)
            if os.path.islink(full):
                out["extracted"][rel] = "link:" + os.readlink(full)
            else:
                with open(full, "rb") as f:
                    out["extracted"][rel] = f.read().decode("utf-8", "replace")
except Exception as e:
    out["error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
"#;

/// What Python's `tarfile` made of an archive.
#[derive(Debug)]
struct PythonView {
    members: Vec<String>,
    extracted: BTreeMap<String, String>,
    error: Option<String>,
}

fn python_reads(bytes: &[u8]) -> PythonView {
    let dir = tempfile::tempdir().expect("temporary directory");
    let archive = dir.path().join(FILENAME);
    std::fs::write(&archive, bytes).expect("write archive");
    let dest = dir.path().join("out");
    let output = Command::new("python3")
        .arg("-c")
        .arg(TARFILE_SCRIPT)
        .arg(&archive)
        .arg(&dest)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_view(&output.stdout, &dest)
}

fn parse_view(stdout: &[u8], _dest: &Path) -> PythonView {
    let json: Value = serde_json::from_slice(stdout).expect("script prints JSON");
    let members = json["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m.as_str().expect("name").to_owned())
        .collect();
    let extracted = json["extracted"]
        .as_object()
        .expect("extracted")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("content").to_owned()))
        .collect();
    PythonView {
        members,
        extracted,
        error: json["error"].as_str().map(str::to_owned),
    }
}

/// Asserts `verify` reports an error with `id` on these bytes.
#[track_caller]
fn assert_rejected(bytes: &[u8], id: &str) {
    let options = VerifyOptions {
        target: Target::Pypi,
        md5: false,
        renderer: None,
        reporter: None,
        source_date_epoch: None,
    };
    let findings = verify_bytes(FILENAME, bytes, &options).0.findings;
    assert!(
        findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.id.as_str() == id),
        "expected verify to reject with {id}, got {findings:#?}"
    );
}

fn root(path: &str) -> String {
    format!("{ROOT}/{path}")
}

#[test]
fn ok_python_and_verify_agree_on_the_baseline() {
    let view = python_reads(&tarwriter::baseline_sdist());
    assert_eq!(view.error, None);
    let mut expected: Vec<String> = tarwriter::baseline_files()
        .into_iter()
        .map(|(p, _)| root(p))
        .collect();
    expected.sort();
    let mut members = view.members.clone();
    members.sort();
    assert_eq!(members, expected);
    assert_eq!(view.extracted.len(), expected.len());
}

#[test]
fn diff_pax_size_override_reveals_a_hidden_member() {
    // The header says the data is one block holding a tar header; PAX `size=0` says it is
    // empty, so a reader that applies PAX parses the "data" as the next member.
    let mut hidden = Tar::new();
    hidden.file(&root("evil.py"), b"print('evil')\n");
    let smuggled = hidden.unfinished();
    let mut tar = baseline_tar();
    tar.pax(&[("size", "0")]);
    tar.entry(
        &Header::file(&root("data.bin"), smuggled.len() as u64),
        &smuggled,
    );
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None, "tarfile accepts the PAX size override");
    assert!(view.members.contains(&root("evil.py")), "{view:?}");
    assert_rejected(&bytes, "SD-03");
}

#[test]
fn diff_pax_duplicate_path_python_takes_the_last() {
    let mut tar = baseline_tar();
    tar.pax(&[("path", &root("benign.py")), ("path", &root("evil.py"))]);
    tar.file(&root("plain.py"), b"print('which name?')\n");
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert!(view.members.contains(&root("evil.py")), "{view:?}");
    assert!(!view.members.contains(&root("benign.py")), "{view:?}");
    assert_rejected(&bytes, "SD-03");
}

#[test]
fn diff_two_pax_headers_python_applies_the_outer_one() {
    // A reader that applies the header next to the member would say `second.py`; tarfile
    // recurses and lets the first header override the second.
    let mut tar = baseline_tar();
    tar.pax(&[("path", &root("first.py"))]);
    tar.pax(&[("path", &root("second.py"))]);
    tar.file(&root("plain.py"), b"x = 1\n");
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert!(view.members.contains(&root("first.py")), "{view:?}");
    assert!(!view.members.contains(&root("second.py")), "{view:?}");
    assert_rejected(&bytes, "SD-03");
}

#[test]
fn diff_zero_blocks_in_the_middle_hide_a_member_from_python() {
    let mut tar = baseline_tar();
    tar.zero_blocks(2);
    tar.file(&root("hidden.py"), b"print('hidden')\n");
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert!(!view.members.contains(&root("hidden.py")), "{view:?}");
    assert_rejected(&bytes, "SD-04");
}

#[test]
fn diff_duplicate_names_python_extracts_the_last_copy() {
    let mut tar = baseline_tar();
    tar.file(&root("src/foo/__init__.py"), b"print('second copy')\n");
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    let extracted = view
        .extracted
        .get(&root("src/foo/__init__.py"))
        .expect("extracted");
    assert_eq!(extracted, "print('second copy')\n");
    assert_rejected(&bytes, "SD-05");
}

#[test]
fn diff_directory_with_embedded_entry_python_sees_the_embedded_member() {
    let mut inner = Tar::new();
    inner.file(&root("embedded.py"), b"print('embedded')\n");
    let inner = inner.unfinished();
    let mut header = Header::dir(&root("pkg"));
    header.size = inner.len() as u64;
    let mut tar = baseline_tar();
    tar.entry(&header, &inner);
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert!(view.members.contains(&root("embedded.py")), "{view:?}");
    assert_rejected(&bytes, "SD-02");
}

#[test]
fn diff_gnu_long_name_python_accepts_it() {
    let long = root(&format!("{}.py", "a".repeat(150)));
    let mut data = long.clone().into_bytes();
    data.push(0);
    let mut header = Header::file("././@LongLink", data.len() as u64);
    header.typeflag = b'L';
    let mut tar = baseline_tar();
    tar.entry(&header, &data);
    tar.file(&root("short.py"), b"x = 1\n");
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert!(view.members.contains(&long), "{view:?}");
    assert!(!view.members.contains(&root("short.py")), "{view:?}");
    assert_rejected(&bytes, "SD-02");
}

#[test]
fn diff_pax_global_path_python_accepts_it() {
    let mut tar = Tar::new();
    tar.pax_typed(b'g', &[("path", &root("evil.py"))]);
    for (path, data) in tarwriter::baseline_files() {
        tar.file(&root(path), &data);
    }
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None, "tarfile accepts a global PAX header");
    assert_rejected(&bytes, "SD-02");
}

#[test]
fn diff_multi_member_gzip_python_reads_the_second_member() {
    let first = baseline_tar().unfinished();
    let mut second = Tar::new();
    second.file(&root("evil.py"), b"print('second member')\n");
    let mut bytes = gzip(&first);
    bytes.extend_from_slice(&gzip(&second.finish()));

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert!(view.members.contains(&root("evil.py")), "{view:?}");
    assert_rejected(&bytes, "SD-01");
}

#[test]
fn diff_trailing_zero_bytes_after_gzip_python_ignores_them() {
    let mut bytes = tarwriter::baseline_sdist();
    bytes.extend_from_slice(&[0u8; 64]);

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert_rejected(&bytes, "SD-01");
}

#[test]
fn diff_bad_gzip_header_crc_python_never_checks_it() {
    let gz = Gzip {
        fhcrc: true,
        fhcrc_xor: 0x00ff,
        ..Gzip::default()
    };
    let bytes = gz.write(&baseline_tar().finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert_rejected(&bytes, "SD-01");
}

#[test]
fn diff_symlink_inside_the_archive_python_extracts_it() {
    let mut tar = baseline_tar();
    tar.entry(&Header::special(&root("link.txt"), b'2', "README.md"), &[]);
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert_eq!(
        view.extracted.get(&root("link.txt")).map(String::as_str),
        Some("link:README.md"),
        "{view:?}"
    );
    assert_rejected(&bytes, "SD-02");
}

#[test]
fn diff_absolute_path_python_strips_the_slash_and_extracts() {
    let mut tar = baseline_tar();
    tar.file("/etc/passwd", b"root:x:0:0\n");
    let bytes = gzip(&tar.finish());

    let view = python_reads(&bytes);
    assert_eq!(view.error, None);
    assert!(view.extracted.contains_key("etc/passwd"), "{view:?}");
    assert_rejected(&bytes, "SD-07");
}
