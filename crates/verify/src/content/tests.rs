//! Unit tests for the SEC-* content rules and native-code detection.

use super::*;

/// Scans `content` fed in chunks of `chunk` bytes.
fn scan(
    path: &str,
    content: &[u8],
    chunk: usize,
) -> (ContentFacts, Vec<(&'static str, Severity, String)>) {
    let mut findings = Findings::new(Some("x.whl"));
    let mut scan = MemberScan::new(path);
    for piece in content.chunks(chunk.max(1)) {
        scan.update(piece);
    }
    let facts = scan.finish(&mut findings);
    let list = findings
        .into_vec()
        .into_iter()
        .map(|f| (f.id.as_str(), f.severity, f.message))
        .collect();
    (facts, list)
}

fn ids(list: &[(&'static str, Severity, String)]) -> Vec<(&'static str, Severity)> {
    list.iter()
        .map(|(id, severity, _)| (*id, *severity))
        .collect()
}

fn token() -> String {
    format!("pypi-AgEIcHlwaS5vcmc{}", "Ab3_-x".repeat(10))
}

#[test]
fn err_sec02_pypi_token_t115_at_every_split() {
    let content = format!("# config\nTOKEN = \"{}\"\n", token());
    for chunk in [1, 7, 20, 33, 1000] {
        let (_, list) = scan("foo/settings.py", content.as_bytes(), chunk);
        assert_eq!(
            ids(&list),
            [("SEC-02", Severity::Error)],
            "chunk size {chunk}"
        );
        assert!(list[0].2.contains("PyPI API token"));
    }
}

#[test]
fn err_sec02_other_token_formats() {
    let cases = [
        format!("ghp_{}", "a".repeat(36)),
        "AKIAIOSFODNN7EXAMPLE".to_owned(),
        "-----BEGIN OPENSSH PRIVATE KEY-----".to_owned(),
        format!("glpat-{}", "x".repeat(20)),
        "xoxb-1234567890-abc".to_owned(),
        format!("github_pat_{}", "A".repeat(30)),
    ];
    for case in cases {
        let (_, list) = scan("foo/data.txt", format!("x {case} y").as_bytes(), 5);
        assert_eq!(ids(&list), [("SEC-02", Severity::Error)], "{case}");
    }
}

#[test]
fn ok_text_that_only_mentions_token_prefixes() {
    let text = b"Tokens start with pypi-AgEIcHlwaS5vcmc and AWS keys with AKIA. ghp_short\n-----BEGIN CERTIFICATE-----\n";
    assert!(scan("foo/README.md", text, 16).1.is_empty());
}

#[test]
fn err_sec03_sourcedefender_and_pyarmor_t117() {
    let pye = b"---BEGIN PYE FILE---\nQUJD\n---END PYE FILE---\n";
    assert_eq!(
        ids(&scan("foo/x.pye", pye, 4).1),
        [("SEC-03", Severity::Error)]
    );
    let armor =
        b"from pytransform import pyarmor_runtime\n__pyarmor__(__name__, __file__, b'\\x50')\n";
    assert_eq!(
        ids(&scan("foo/x.py", armor, 9).1),
        [("SEC-03", Severity::Error)]
    );
    // The same bytes outside Python sources are not this rule's business.
    assert!(scan("foo/notes.txt", pye, 4).1.is_empty());
}

#[test]
fn err_sec03_bidi_control_in_python_split_across_chunks() {
    let source = "access = 'user' # \u{202E} }\u{2066}if admin\u{2069} \u{2066}\n".as_bytes();
    for chunk in [1, 2, 3, 64] {
        assert_eq!(
            ids(&scan("foo/auth.py", source, chunk).1),
            [("SEC-03", Severity::Error)],
            "{chunk}"
        );
    }
}

#[test]
fn warn_sec03_heuristics() {
    let exec = b"import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n";
    assert_eq!(
        ids(&scan("foo/x.py", exec, 10).1),
        [("SEC-03", Severity::Warning)]
    );
    let long = format!("x = '{}'\n", "a".repeat(11 * 1024));
    assert_eq!(
        ids(&scan("foo/x.py", long.as_bytes(), 1000).1),
        [("SEC-03", Severity::Warning)]
    );
    let hidden = format!("x = 1{}import os\n", " ".repeat(500));
    assert_eq!(
        ids(&scan("foo/x.py", hidden.as_bytes(), 100).1),
        [("SEC-03", Severity::Warning)]
    );
}

#[test]
fn sec01_pth_import_lines() {
    let (facts, list) = scan("evil.pth", b"/opt/lib\nimport os; os.system('x')\n", 3);
    assert!(facts.pth_executes);
    assert_eq!(ids(&list), [("SEC-01", Severity::Error)]);
    let (facts, list) = scan("paths.pth", b"/opt/lib\n# import is a comment here\n", 3);
    assert!(!facts.pth_executes);
    assert!(list.is_empty());
}

#[test]
fn sec01_and_sec02_member_names() {
    let mut findings = Findings::new(None);
    for path in [
        "foo.pth",
        ".hidden.pth",
        "foo-1.0.data/purelib/x.pth",
        "foo/inner.pth",
        "foo/.env",
        "foo/.env.example",
        ".pypirc",
        "certs/key.P12",
        "vendor/dep.whl",
    ] {
        check_member_name(path, &mut findings);
    }
    let got: Vec<(String, &str, Severity)> = findings
        .into_vec()
        .into_iter()
        .map(|f| (f.member.unwrap_or_default(), f.id.as_str(), f.severity))
        .collect();
    let expected = [
        ("foo.pth", "SEC-01", Severity::Warning),
        (".hidden.pth", "SEC-01", Severity::Error),
        ("foo-1.0.data/purelib/x.pth", "SEC-01", Severity::Warning),
        ("foo/.env", "SEC-02", Severity::Error),
        (".pypirc", "SEC-02", Severity::Error),
        ("certs/key.P12", "SEC-02", Severity::Error),
        ("vendor/dep.whl", "SEC-05", Severity::Warning),
    ];
    let expected: Vec<(String, &str, Severity)> = expected
        .iter()
        .map(|(p, i, s)| ((*p).to_owned(), *i, *s))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn native_magic_numbers() {
    let mut pe = vec![0u8; 0x100];
    pe[..2].copy_from_slice(b"MZ");
    pe[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    pe[0x80..0x84].copy_from_slice(b"PE\0\0");
    let cases: [(&[u8], Option<NativeKind>); 10] = [
        (b"\x7fELF\x02\x01\x01", Some(NativeKind::Elf)),
        (b"\xfe\xed\xfa\xcf\0\0\0\0", Some(NativeKind::MachO)),
        (b"\xcf\xfa\xed\xfe\x07\0\0\x01", Some(NativeKind::MachO)),
        (b"\xce\xfa\xed\xfe\x07\0\0\x01", Some(NativeKind::MachO)),
        (b"\xca\xfe\xba\xbe\0\0\0\x02", Some(NativeKind::MachO)),
        (b"\xca\xfe\xba\xbe\0\0\0\x34", None),
        (b"\0asm\x01\0\0\0", Some(NativeKind::Wasm)),
        (&pe, Some(NativeKind::Pe)),
        (b"MZ is just text here", None),
        (b"#!/usr/bin/env python\n", None),
    ];
    for (head, expected) in cases {
        assert_eq!(native_kind(head), expected, "{head:?}");
    }
}

#[test]
fn warn_sec05_binary_under_innocent_name() {
    let (facts, list) = scan("foo/data.bin", b"\x7fELF\x02\x01\x01\0\0\0", 3);
    assert_eq!(facts.native, Some(NativeKind::Elf));
    assert_eq!(ids(&list), [("SEC-05", Severity::Warning)]);
    let (facts, list) = scan(
        "foo/_speedups.cpython-312-x86_64-linux-gnu.so",
        b"\x7fELF\x02",
        2,
    );
    assert_eq!(facts.native, Some(NativeKind::Elf));
    assert!(list.is_empty());
}

#[test]
fn warn_sec02_private_key_in_test_tree() {
    let key = b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n";
    let (_, list) = scan(
        "requests-2.32.3/tests/certs/valid/server/server.key",
        key,
        8,
    );
    assert_eq!(ids(&list), [("SEC-02", Severity::Warning)]);
    let (_, list) = scan("foo/deploy/server.key", key, 8);
    assert_eq!(ids(&list), [("SEC-02", Severity::Error)]);
}
