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

/// A 64-bit little-endian ELF header for `machine` (62 = x86_64, 183 = aarch64).
fn elf64(machine: u16) -> Vec<u8> {
    let mut head = b"\x7fELF\x02\x01\x01\x00".to_vec();
    head.resize(16, 0);
    head.extend_from_slice(&3u16.to_le_bytes());
    head.extend_from_slice(&machine.to_le_bytes());
    head.resize(256, 0);
    head
}

/// The WHL-12 findings of a wheel tagged `python-abi-platform` holding `foo/{file}` = `data`.
fn whl12(tags: (&str, &str, &str), file: &str, data: &[u8]) -> Vec<(Severity, String)> {
    let (filename, builder) = WheelBuilder::tagged(tags.0, tags.1, tags.2);
    let findings = verify_named(
        &filename,
        &builder.file(&format!("foo/{file}"), data).bytes(),
    );
    findings
        .into_iter()
        .filter(|f| f.id.as_str() == "WHL-12")
        .map(|f| (f.severity, f.message))
        .collect()
}

const LINUX_312: (&str, &str, &str) = ("cp312", "cp312", "manylinux_2_17_x86_64");
const SUFFIX_312: &str = "_x.cpython-312-x86_64-linux-gnu.so";

#[test]
fn ok_whl12_binary_and_suffix_match_the_tags() {
    assert_eq!(whl12(LINUX_312, SUFFIX_312, &elf64(62)), []);
    assert_eq!(
        whl12(
            ("cp38", "abi3", "manylinux_2_17_aarch64"),
            "_x.abi3.so",
            &elf64(183)
        ),
        []
    );
}

#[test]
fn err_whl12_elf_for_another_architecture() {
    let found = whl12(LINUX_312, SUFFIX_312, &elf64(183));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Severity::Error);
    assert!(
        found[0].1.contains("`arm64 (aarch64)`") && found[0].1.contains("needs `x86_64`"),
        "{}",
        found[0].1
    );
}

#[test]
fn err_whl12_fat_macho_missing_a_universal2_slice() {
    // A fat header with one slice, x86_64 (`CPU_TYPE_X86_64` = 0x01000007), in a universal2 wheel.
    let mut fat = b"\xca\xfe\xba\xbe\x00\x00\x00\x01\x01\x00\x00\x07".to_vec();
    fat.resize(4096, 0);
    let found = whl12(
        ("cp312", "cp312", "macosx_10_9_universal2"),
        "_x.cpython-312-darwin.so",
        &fat,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("needs `arm64"), "{}", found[0].1);
}

#[test]
fn err_whl12_suffix_for_another_interpreter() {
    let found = whl12(LINUX_312, "_x.cpython-311-x86_64-linux-gnu.so", &elf64(62));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Severity::Error);
    assert!(found[0].1.contains("`cp311`"), "{}", found[0].1);
    let found = whl12(
        ("cp38", "abi3", "manylinux_2_17_x86_64"),
        SUFFIX_312,
        &elf64(62),
    );
    assert!(found[0].1.contains("`.abi3.so`"), "{found:?}");
}

/// A real manylinux x86_64 wheel (orjson, from the corpus) presented under an aarch64 tag: its
/// extension module is x86_64 ELF, so WHL-12 must reject it. The same bytes under their own name
/// verify clean (tests/it/corpus.rs), so this shows the check reads real headers.
#[test]
fn err_whl12_corpus_wheel_under_another_arch_tag() {
    let real = "orjson-3.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
    let file = pyship_tests::corpus::corpus()
        .files
        .iter()
        .find(|f| f.pinned.filename == real)
        .expect("orjson is pinned in the corpus");
    let bytes = std::fs::read(&file.path).expect("corpus file is readable");
    let renamed = "orjson-3.13.0-cp311-cp311-manylinux_2_17_aarch64.whl";
    let findings = verify_named(renamed, &bytes);
    let whl12: Vec<&str> = findings
        .iter()
        .filter(|f| f.id.as_str() == "WHL-12" && f.severity == Severity::Error)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(whl12.len(), 1, "{}", super::summary(&findings));
    assert!(
        whl12[0].contains("orjson.cpython-311-x86_64-linux-gnu.so")
            && whl12[0].contains("needs `arm64 (aarch64)`"),
        "{}",
        whl12[0]
    );
}
