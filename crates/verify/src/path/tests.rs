//! Unit tests for the PATH-* rules.

use super::*;

fn check(path: &str, is_dir: bool) -> (bool, Vec<(&'static str, Severity)>) {
    let mut findings = Findings::new(Some("x.whl"));
    let safe = check_member_path(path, is_dir, &mut findings);
    let ids = findings
        .as_slice()
        .iter()
        .map(|f| (f.id.as_str(), f.severity))
        .collect();
    (safe, ids)
}

fn collisions(paths: &[&str]) -> Vec<String> {
    let mut findings = Findings::new(None);
    check_collisions(paths.iter().copied(), &mut findings);
    findings
        .into_vec()
        .into_iter()
        .map(|f| format!("{} {}", f.id, f.member.unwrap_or_default()))
        .collect()
}

#[test]
fn ok_ordinary_paths() {
    for (path, is_dir) in [
        ("foo/__init__.py", false),
        ("foo-1.0.dist-info/METADATA", false),
        ("foo/", true),
        ("données/café.txt", false),
    ] {
        assert_eq!(check(path, is_dir), (true, vec![]), "{path}");
    }
}

#[test]
fn err_path01_hidden_characters() {
    for path in [
        "foo/a\u{202E}yp.py",
        "foo/\u{200B}x.txt",
        "foo/\u{feff}x",
        "foo/\u{e000}",
        "a\u{1}b",
        "a\u{85}b",
        "foo/\u{378}.py",
        "foo/\u{fdd0}",
        "foo/\u{10ffff}",
        "foo/\u{e0001}",
        "foo/\u{2065}",
    ] {
        assert_eq!(
            check(path, false),
            (false, vec![("PATH-01", Severity::Error)]),
            "{path:?}"
        );
    }
}

#[test]
fn err_path02_shapes() {
    for path in [
        "/etc/passwd",
        "foo/../../x",
        "foo\\bar.py",
        "C:/x",
        "foo//bar",
        "foo/./bar",
        "foo/",
    ] {
        let (safe, ids) = check(path, false);
        assert!(!safe, "{path}");
        assert!(
            ids.contains(&("PATH-02", Severity::Error)),
            "{path}: {ids:?}"
        );
    }
}

#[test]
fn err_path03_nfd_name() {
    let (safe, ids) = check("foo/cafe\u{301}.txt", false);
    assert!(safe);
    assert_eq!(ids, [("PATH-03", Severity::Error)]);
}

#[test]
fn path05_windows_names() {
    for path in [
        "foo/con.py",
        "foo/AUX",
        "foo/a.",
        "foo/a ",
        "foo/a:b",
        "foo/what?",
    ] {
        assert_eq!(
            check(path, false).1,
            [("PATH-05", Severity::Error)],
            "{path}"
        );
    }
    let mut findings = Findings::new(None);
    check_member_path_for(
        "foo/nul.txt",
        false,
        WindowsPortability::Advisory,
        &mut findings,
    );
    assert_eq!(findings.as_slice()[0].severity, Severity::Warning);
    let long = format!("{}/x.txt", ["d"; 140].join("/"));
    assert_eq!(check(&long, false).1, [("PATH-05", Severity::Warning)]);
}

#[test]
fn ok_path01_names_each_subcategory() {
    assert_eq!(describe_other('\u{7}'), "a control character (Cc)");
    assert_eq!(
        describe_other('\u{200d}'),
        "an invisible format character (Cf)"
    );
    assert_eq!(describe_other('\u{f8ff}'), "a private-use character (Co)");
    assert_eq!(
        describe_other('\u{378}'),
        "an unassigned code point or noncharacter (Cn)"
    );
}

#[test]
fn warn_path06_non_ascii_module() {
    assert!(check("foo/módulo.py", false).1.is_empty());
    for path in [
        "foo/módulo.py",
        "föo/_x.cpython-312-x86_64-linux-gnu.so",
        "foo/é.pyi",
    ] {
        let mut findings = Findings::new(None);
        check_module_ascii(path, &mut findings);
        assert_eq!(findings.as_slice()[0].id.as_str(), "PATH-06", "{path}");
    }
    let mut findings = Findings::new(None);
    check_module_ascii("foo/données.txt", &mut findings);
    assert!(findings.as_slice().is_empty());
}

#[test]
fn err_path04_collisions() {
    assert_eq!(
        collisions(&["foo/README", "foo/readme"]),
        ["PATH-04 foo/readme"]
    );
    assert_eq!(collisions(&["Foo/a.py", "foo/b.py"]), ["PATH-04 foo"]);
    assert_eq!(
        collisions(&["foo/caf\u{e9}", "foo/cafe\u{301}"]),
        ["PATH-04 foo/cafe\u{301}"]
    );
    assert_eq!(
        collisions(&["foo/\u{fb01}le", "foo/file"]),
        ["PATH-04 foo/file"]
    );
    assert_eq!(
        collisions(&["foo/stra\u{df}e", "foo/STRASSE"]),
        ["PATH-04 foo/STRASSE"]
    );
    assert!(collisions(&["foo/", "foo/__init__.py", "foo/a.py", "bar/a.py"]).is_empty());
}
