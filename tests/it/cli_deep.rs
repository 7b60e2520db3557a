//! `cargo xtask verify --deep`: the optional deep checks WHL-13 (abi3, through abi3audit) and
//! WHL-14 (manylinux policy, through auditwheel), run from the test venv on wheels whose
//! extension modules are real ELF shared objects compiled here with `cc`.
//!
//! See: verify-rules.md §2 WHL-13, WHL-14 and §4 T63.

use std::path::{Path, PathBuf};
use std::process::Command;

use pyship_tests::corpus::corpus;
use pyship_tests::python::test_python;
use pyship_tests::xtask::{Run, run_xtask};
use pyship_tests::zipwriter::WheelBuilder;
use pyship_verify::ArtifactKind;

/// Compiles `source` (C) into a shared object with the system compiler. Undefined symbols stay
/// undefined, as in a real extension module that the interpreter resolves at load time.
fn shared_object(dir: &Path, source: &str) -> Vec<u8> {
    let c = dir.join("ext.c");
    let so = dir.join("ext.so");
    std::fs::write(&c, source).unwrap();
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&so)
        .arg(&c)
        .status()
        .expect("`cc` runs (the Rust toolchain needs it as its linker)");
    assert!(status.success(), "cc failed on {source}");
    std::fs::read(&so).unwrap()
}

/// A platform wheel `foo-1.0-{tag}.whl` holding `foo/{module}` built from `source`.
fn native_wheel(dir: &Path, tag: &str, module: &str, source: &str) -> PathBuf {
    let wheel_meta = format!(
        "Wheel-Version: 1.0\nGenerator: pyship-tests\nRoot-Is-Purelib: false\nTag: {tag}\n"
    );
    let bytes = WheelBuilder::baseline()
        .file(&format!("foo/{module}"), &shared_object(dir, source))
        .file("foo-1.0.dist-info/WHEEL", wheel_meta.as_bytes())
        .bytes();
    let path = dir.join(format!("foo-1.0-{tag}.whl"));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn verify(dir: &Path, extra: &[&str], wheel: &Path) -> Run {
    let deep_python = format!("--deep-python={}", test_python().display());
    let python = format!("--python={}", test_python().display());
    let mut args = vec!["verify", "--target=pypi", &python, &deep_python];
    args.extend_from_slice(extra);
    args.push(wheel.to_str().unwrap());
    run_xtask(dir, &args)
}

/// T63: `PyUnicode_AsUTF8AndSize` entered the Limited API in 3.10, so a `cp38-abi3` wheel that
/// imports it breaks on 3.8 and 3.9.
const USES_3_10_API: &str = "extern const char *PyUnicode_AsUTF8AndSize(void *, long *);\n\
     const char *first(void *text) { long n; return PyUnicode_AsUTF8AndSize(text, &n); }\n";

/// `memcpy` with a size known only at run time is a call to `memcpy@GLIBC_2.14` on x86_64, so the
/// object needs glibc 2.14: manylinux_2_17 holds, manylinux1 (glibc 2.5) does not.
const NEEDS_GLIBC_2_14: &str = "#include <string.h>\n\
     void copy(char *to, const char *from, unsigned long n) { memcpy(to, from, n); }\n";

#[test]
fn err_whl13_abi3_wheel_using_newer_limited_api() {
    let dir = tempfile::tempdir().unwrap();
    let tag = "cp38-abi3-manylinux_2_17_x86_64";
    let wheel = native_wheel(dir.path(), tag, "_x.abi3.so", USES_3_10_API);

    let shallow = verify(dir.path(), &[], &wheel);
    assert_eq!(shallow.code, Some(0), "without --deep:\n{}", shallow.stderr);
    assert!(!shallow.stderr.contains("WHL-13"), "{}", shallow.stderr);

    let deep = verify(dir.path(), &["--deep"], &wheel);
    assert_eq!(deep.code, Some(1), "{}", deep.stderr);
    assert!(deep.stderr.contains("WHL-13"), "{}", deep.stderr);
    assert!(
        deep.stderr
            .contains("`PyUnicode_AsUTF8AndSize` (Python 3.10)"),
        "{}",
        deep.stderr
    );
}

#[test]
fn ok_whl13_abi3_wheel_within_its_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let tag = "cp310-abi3-manylinux_2_17_x86_64";
    let wheel = native_wheel(dir.path(), tag, "_x.abi3.so", USES_3_10_API);
    let run = verify(dir.path(), &["--deep", "--format=json"], &wheel);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("WHL-1"), "{}", run.stdout);
}

#[test]
fn err_whl14_manylinux_tag_older_than_the_symbols_need() {
    let dir = tempfile::tempdir().unwrap();
    let old = native_wheel(
        dir.path(),
        "cp311-cp311-manylinux1_x86_64",
        "_x.cpython-311-x86_64-linux-gnu.so",
        NEEDS_GLIBC_2_14,
    );
    let run = verify(dir.path(), &["--deep"], &old);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("WHL-14"), "{}", run.stderr);
    assert!(
        run.stderr.contains("claims `manylinux_2_5_x86_64`") && run.stderr.contains("GLIBC_2.14"),
        "{}",
        run.stderr
    );
}

#[test]
fn ok_whl14_manylinux_tag_the_symbols_satisfy() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = native_wheel(
        dir.path(),
        "cp311-cp311-manylinux_2_17_x86_64",
        "_x.cpython-311-x86_64-linux-gnu.so",
        NEEDS_GLIBC_2_14,
    );
    let run = verify(dir.path(), &["--deep"], &wheel);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn ok_corpus_native_wheels_pass_the_deep_checks() {
    let dir = tempfile::tempdir().unwrap();
    let wheels: Vec<PathBuf> = corpus()
        .paths_of(ArtifactKind::Wheel)
        .into_iter()
        .filter(|path| path.to_str().unwrap().contains("manylinux"))
        .collect();
    assert!(wheels.len() >= 3, "native corpus wheels: {wheels:?}");
    for wheel in &wheels {
        let run = verify(dir.path(), &["--deep"], wheel);
        assert_eq!(run.code, Some(0), "{}: {}", wheel.display(), run.stderr);
    }
}

#[test]
fn err_deep_check_that_cannot_run_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let tag = "cp38-abi3-manylinux_2_17_x86_64";
    let wheel = native_wheel(dir.path(), tag, "_x.abi3.so", USES_3_10_API);
    let python = format!("--python={}", test_python().display());
    let run = run_xtask(
        dir.path(),
        &[
            "verify",
            "--target=pypi",
            &python,
            "--deep",
            "--deep-python=/nonexistent/python",
            wheel.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("WHL-13") && run.stderr.contains("deep check requested but not done"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("WHL-14"), "{}", run.stderr);
}
