//! Differential runs: the archive-confusion inputs read by real Python `zipfile`, which must see
//! something other than the strict reading (or accept what we reject), while `verify` rejects
//! each one. See: verify-rules.md §1.3, §1.7 and §5.3 ("cross-check in tests").

use std::io::Write as _;
use std::process::Command;

use serde_json::Value;

use super::{assert_error, short_usize_wheel, tar_polyglot, verify, with_a_py};
use pyship_tests::zipwriter::{Member, WheelBuilder};

/// What `zipfile` makes of `bytes`: `names`, `contents` (hex, read by name), `errors` per name,
/// or `open_error`.
fn python_zipfile(bytes: &[u8]) -> Value {
    const SCRIPT: &str = r#"
import json, sys, tarfile, zipfile
out = {"is_tar": tarfile.is_tarfile(sys.argv[1])}
try:
    z = zipfile.ZipFile(sys.argv[1])
    out["names"] = z.namelist()
    out["contents"], out["errors"] = {}, {}
    for name in z.namelist():
        try:
            out["contents"][name] = z.read(name).hex()
        except Exception as e:
            out["errors"][name] = repr(e)
except Exception as e:
    out["open_error"] = repr(e)
print(json.dumps(out))
"#;
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("write temp file");
    let output = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(file.path())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python prints JSON")
}

fn hex(bytes: &[u8]) -> String {
    pyship_verify::digest::hex(bytes)
}

fn names(seen: &Value) -> Vec<&str> {
    seen["names"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn diff_duplicate_names_python_reads_the_last_entry() {
    let mut zip = with_a_py().zip();
    zip.members
        .insert(0, Member::deflated("foo/a.py", b"EVIL = 1\n"));
    let bytes = zip.to_bytes();
    let seen = python_zipfile(&bytes);
    // A streaming reader meets `EVIL = 1` first; zipfile returns the later entry.
    assert_eq!(seen["contents"]["foo/a.py"], hex(b"A = 1\n"));
    assert_error(&verify(&bytes), "ZIP-05");
}

#[test]
fn diff_local_central_name_mismatch_python_lists_the_central_name() {
    let mut zip = with_a_py().zip();
    let member = zip.member("foo/a.py");
    member.name = b"foo/b.py".to_vec();
    member.central_name = Some(b"foo/a.py".to_vec());
    let bytes = zip.to_bytes();
    let seen = python_zipfile(&bytes);
    let listed = names(&seen);
    assert!(
        listed.contains(&"foo/a.py") && !listed.contains(&"foo/b.py"),
        "{seen}"
    );
    assert_error(&verify(&bytes), "ZIP-04");
}

#[test]
fn diff_prefix_bytes_python_accepts() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.prefix = b"#!/bin/sh\nexit 0\n".repeat(6);
    let bytes = zip.to_bytes();
    let seen = python_zipfile(&bytes);
    assert_eq!(
        seen["contents"]["foo/__init__.py"],
        hex(b"VALUE = 1\n"),
        "{seen}"
    );
    assert!(
        seen["errors"]
            .as_object()
            .is_some_and(serde_json::Map::is_empty),
        "{seen}"
    );
    assert_error(&verify(&bytes), "ZIP-01");
}

#[test]
fn diff_cd_size_zero_python_sees_no_members() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.cd_size = Some(0);
    let bytes = zip.to_bytes();
    let seen = python_zipfile(&bytes);
    assert!(names(&seen).is_empty(), "{seen}");
    assert_error(&verify(&bytes), "ZIP-02");
}

#[test]
fn diff_short_usize_python_returns_only_the_declared_bytes() {
    let bytes = short_usize_wheel().to_bytes();
    let seen = python_zipfile(&bytes);
    assert_eq!(seen["contents"]["foo/a.py"], hex(b"# benign\n"), "{seen}");
    assert_error(&verify(&bytes), "ZIP-09");
}

#[test]
fn diff_non_utf8_flag_name_python_decodes_cp437() {
    let bytes = WheelBuilder::baseline()
        .file("foo/café.py", b"X = 1\n")
        .bytes();
    let seen = python_zipfile(&bytes);
    let listed = names(&seen);
    assert!(listed.contains(&"foo/caf\u{251c}\u{2310}.py"), "{seen}");
    assert!(!listed.contains(&"foo/café.py"), "{seen}");
    assert_error(&verify(&bytes), "ZIP-07");
}

#[test]
fn diff_trailing_slash_payload_python_reads_data_installers_skip() {
    let mut zip = WheelBuilder::baseline().zip();
    let mut dir = Member::directory("foo/");
    dir.data = b"payload".to_vec();
    zip.members.insert(0, dir);
    let bytes = zip.to_bytes();
    let seen = python_zipfile(&bytes);
    assert_eq!(seen["contents"]["foo/"], hex(b"payload"), "{seen}");
    assert_error(&verify(&bytes), "ZIP-15");
}

#[test]
fn diff_tar_polyglot_python_opens_both_ways() {
    let bytes = tar_polyglot();
    let seen = python_zipfile(&bytes);
    assert_eq!(seen["is_tar"], Value::Bool(true), "{seen}");
    assert!(names(&seen).contains(&"foo/__init__.py"), "{seen}");
    assert_error(&verify(&bytes), "ZIP-17");
}
