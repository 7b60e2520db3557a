//! Name, path and content cases whose rules live in other modules (PATH-*, FN-*, SEC-*, WHL-12),
//! driven through a whole wheel: T43..T51, T61 and T67 of verify-rules.md §4.3-4.4.

use super::{assert_error, verify, verify_named};
use pyship_tests::zipwriter::WheelBuilder;
use pyship_verify::Severity;

#[test]
fn err_t43_absolute_drive_and_backslash_paths() {
    for path in ["/etc/evil", "C:/evil", "foo\\..\\..\\evil.py"] {
        let bytes = WheelBuilder::baseline().file(path, b"X = 1\n").bytes();
        assert_error(&verify(&bytes), "PATH-02");
    }
}

#[test]
fn err_t45_nfc_and_nfd_names() {
    let nfc = "foo/caf\u{e9}.py";
    let nfd = "foo/cafe\u{301}.py";
    let mut zip = WheelBuilder::baseline()
        .file(nfc, b"X = 1\n")
        .file(nfd, b"X = 2\n")
        .zip();
    zip.member(nfc).flags |= 1 << 11;
    zip.member(nfd).flags |= 1 << 11;
    let findings = verify(&zip.to_bytes());
    assert!(
        findings
            .iter()
            .any(|f| matches!(f.id.as_str(), "PATH-03" | "PATH-04")),
        "{}",
        super::summary(&findings)
    );
    assert_error(&findings, "PATH-03");
}

#[test]
fn err_t49_control_characters_in_names() {
    for path in ["foo/a\nb.py", "foo/a\x7fb.py"] {
        let bytes = WheelBuilder::baseline().file(path, b"X = 1\n").bytes();
        assert_error(&verify(&bytes), "PATH-01");
    }
}

#[test]
fn err_t61_native_code_in_pure_wheel() {
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x3e\x00";
    let bytes = WheelBuilder::baseline().file("foo/_x.so", elf).bytes();
    assert_error(&verify(&bytes), "WHL-12");
    let macho = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x06\x00\x00\x00";
    let bytes = WheelBuilder::baseline().file("foo/_x.so", macho).bytes();
    assert_error(&verify(&bytes), "WHL-12");
}

#[test]
fn err_t67_hidden_pth_file() {
    let bytes = WheelBuilder::baseline()
        .file(".hidden.pth", b"/tmp/somewhere\n")
        .bytes();
    assert_error(&verify(&bytes), "SEC-01");
}

#[test]
fn err_path01_unassigned_and_private_use_code_points() {
    // U+0378 is unassigned (Cn), U+FDD0 a noncharacter (Cn), U+E000 private use (Co), U+2066 a
    // bidi isolate (Cf): none is visible in a listing.
    for path in [
        "foo/a\u{378}.py",
        "foo/a\u{fdd0}.py",
        "foo/\u{e000}.py",
        "foo/\u{2066}a.py",
    ] {
        let mut zip = WheelBuilder::baseline().file(path, b"X = 1\n").zip();
        zip.member(path).flags |= 1 << 11;
        assert_error(&verify(&zip.to_bytes()), "PATH-01");
    }
}

#[test]
fn ok_path01_assigned_letters_and_symbols() {
    let path = "foo/data/\u{1F600}-\u{4e2d}\u{6587}.txt";
    let mut zip = WheelBuilder::baseline().file(path, b"x\n").zip();
    zip.member(path).flags |= 1 << 11;
    let findings = verify(&zip.to_bytes());
    assert!(
        !findings.iter().any(|f| f.id.as_str() == "PATH-01"),
        "{}",
        super::summary(&findings)
    );
}

/// The PATH-05 findings of a wheel holding `foo/con.py` (a Windows device name) with these tags.
fn path05_severities(python: &str, abi: &str, platform: &str) -> Vec<Severity> {
    let (filename, builder) = WheelBuilder::tagged(python, abi, platform);
    let findings = verify_named(&filename, &builder.file("foo/con.py", b"X = 1\n").bytes());
    findings
        .iter()
        .filter(|f| f.id.as_str() == "PATH-05")
        .map(|f| f.severity)
        .collect()
}

#[test]
fn err_path05_windows_name_in_any_or_windows_wheel() {
    assert_eq!(path05_severities("py3", "none", "any"), [Severity::Error]);
    assert_eq!(
        path05_severities("cp312", "cp312", "win_amd64"),
        [Severity::Error]
    );
    assert_eq!(
        path05_severities("cp312", "cp312", "win32"),
        [Severity::Error]
    );
}

#[test]
fn warn_path05_windows_name_in_linux_or_macos_wheel() {
    assert_eq!(
        path05_severities("cp312", "cp312", "manylinux_2_17_x86_64"),
        [Severity::Warning]
    );
    assert_eq!(
        path05_severities("cp312", "cp312", "macosx_11_0_arm64"),
        [Severity::Warning]
    );
}

#[test]
fn warn_path06_non_ascii_module_in_wheel() {
    let module = "foo/m\u{f3}dulo.py";
    let data = "foo-1.0.data/data/share/d\u{f3}c.py";
    let mut zip = WheelBuilder::baseline()
        .file(module, b"X = 1\n")
        .file(data, b"X = 1\n")
        .zip();
    zip.member(module).flags |= 1 << 11;
    zip.member(data).flags |= 1 << 11;
    let findings = verify(&zip.to_bytes());
    let path06: Vec<(&str, Severity)> = findings
        .iter()
        .filter(|f| f.id.as_str() == "PATH-06")
        .map(|f| (f.member.as_deref().unwrap_or_default(), f.severity))
        .collect();
    // Only the importable module warns: files under `.data/data/` are not imported.
    assert_eq!(
        path06,
        [(module, Severity::Warning)],
        "{}",
        super::summary(&findings)
    );
}

#[test]
fn ok_path06_non_ascii_data_file_in_package() {
    let path = "foo/d\u{f3}c.txt";
    let mut zip = WheelBuilder::baseline().file(path, b"x\n").zip();
    zip.member(path).flags |= 1 << 11;
    let findings = verify(&zip.to_bytes());
    assert!(
        !findings.iter().any(|f| f.id.as_str() == "PATH-06"),
        "{}",
        super::summary(&findings)
    );
}
