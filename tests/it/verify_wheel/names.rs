//! Name, path and content cases whose rules live in other modules (PATH-*, FN-*, SEC-*, WHL-12),
//! driven through a whole wheel: T43..T51, T61 and T67 of verify-rules.md §4.3-4.4.

use super::{assert_error, verify};
use pyship_tests::zipwriter::WheelBuilder;

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
