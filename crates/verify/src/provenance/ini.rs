//! `setup.cfg` read the way Python's `configparser.RawConfigParser` reads it with its defaults,
//! which is how setuptools reads and rewrites the file: sections in order, `key = value` or
//! `key: value`, continuation lines indented deeper than their key, whole-line `#` and `;`
//! comments dropped (inline ones kept as text), empty lines inside a value kept, and the value's
//! surrounding whitespace stripped. Keys compare case-insensitively, as `configparser` lowers
//! them by default.

/// Sections in file order, each with its options in order: (key, value).
pub(super) type Sections = Vec<(String, Vec<(String, String)>)>;

/// Parses `text`; an error names the line `configparser` would refuse.
pub(super) fn parse(text: &str) -> Result<Sections, String> {
    let mut sections: Sections = Vec::new();
    // The indent of the current option's key line, while a value may continue.
    let mut option_indent: Option<usize> = None;
    for (number, raw) in text.lines().enumerate() {
        let number = number + 1;
        let stripped = raw.trim();
        let indent = raw.len() - raw.trim_start().len();
        if stripped.starts_with('#') || stripped.starts_with(';') {
            continue;
        }
        if stripped.is_empty() {
            if option_indent.is_some()
                && let Some((_, value)) = sections.last_mut().and_then(|(_, o)| o.last_mut())
            {
                value.push('\n');
            }
            continue;
        }
        if let Some(key_indent) = option_indent
            && indent > key_indent
            && let Some((_, value)) = sections.last_mut().and_then(|(_, o)| o.last_mut())
        {
            value.push('\n');
            value.push_str(stripped);
            continue;
        }
        // Like configparser's section pattern: from the `[` to the last `]`, ignoring what
        // follows it (a comment, usually).
        if let Some(name) = stripped
            .strip_prefix('[')
            .and_then(|l| l.rfind(']').map(|end| &l[..end]))
            .filter(|name| !name.is_empty())
        {
            if sections.iter().any(|(existing, _)| existing == name) {
                return Err(format!("line {number}: section `[{name}]` appears twice"));
            }
            sections.push((name.to_owned(), Vec::new()));
            option_indent = None;
            continue;
        }
        let Some((_, options)) = sections.last_mut() else {
            return Err(format!(
                "line {number}: an option before any section header"
            ));
        };
        let Some(at) = stripped.find(['=', ':']) else {
            return Err(format!(
                "line {number}: `{stripped}` is neither a section, an option nor a continuation"
            ));
        };
        let key = stripped[..at].trim().to_owned();
        if options.iter().any(|(existing, _)| *existing == key) {
            return Err(format!(
                "line {number}: option `{key}` appears twice in its section"
            ));
        }
        options.push((key, stripped[at + 1..].trim().to_owned()));
        option_indent = Some(indent);
    }
    // configparser writes `[DEFAULT]` only when it holds options.
    sections.retain(|(name, options)| name != "DEFAULT" || !options.is_empty());
    for (_, options) in &mut sections {
        for (_, value) in options {
            // Values keep inner empty lines but not trailing ones.
            let trimmed = value.trim_end().len();
            value.truncate(trimmed);
        }
    }
    Ok(sections)
}

/// The first difference between two parsed files, in words; `None` when they are equal. Section
/// and option order matter (setuptools keeps them), as `configparser` writes them in order.
pub(super) fn first_difference(ours: &Sections, theirs: &Sections) -> Option<String> {
    let names = |sections: &Sections| sections.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    for (name, options) in ours {
        let Some((_, committed)) = theirs.iter().find(|(n, _)| n == name) else {
            return Some(format!("section `[{name}]` is not in the committed file"));
        };
        for (key, value) in options {
            match committed.iter().find(|(k, _)| k == key) {
                None => {
                    return Some(format!(
                        "`[{name}]` sets `{key}`, which the committed file does not"
                    ));
                }
                Some((_, expected)) if expected != value => {
                    return Some(format!(
                        "`[{name}]` `{key}` is `{}`, the committed file has `{}`",
                        value.escape_debug(),
                        expected.escape_debug()
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some((key, _)) = committed
            .iter()
            .find(|(k, _)| !options.iter().any(|(o, _)| o == k))
        {
            return Some(format!(
                "`[{name}]` lacks `{key}`, which the committed file sets"
            ));
        }
    }
    if let Some((name, _)) = theirs
        .iter()
        .find(|(n, _)| !ours.iter().any(|(o, _)| o == n))
    {
        return Some(format!(
            "section `[{name}]` of the committed file is missing"
        ));
    }
    (names(ours) != names(theirs))
        .then(|| "its sections are in another order than the committed file's".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What setuptools 65 wrote for a `setup.cfg` with comments, a multi-line value with an
    /// empty line and an inline `#` (its `sdist` in the test venv, 2026-12-04).
    const COMMITTED: &str = "# a comment
[metadata]
Name = scfgdemo
version = 0.1
description = Demo ; not a comment
long_description = first line
    second line

    after blank
[options]
packages = pkg
install_requires =
    requests>=2  # trailing
    click
; semicolon comment
[tool:pytest]
addopts = -q
";
    const REWRITTEN: &str = "[metadata]
Name = scfgdemo
version = 0.1
description = Demo ; not a comment
long_description = first line
\tsecond line
\t
\tafter blank

[options]
packages = pkg
install_requires = 
\trequests>=2  # trailing
\tclick

[tool:pytest]
addopts = -q

[egg_info]
tag_build = 
tag_date = 0

";

    fn without_egg_info(text: &str) -> Sections {
        let mut sections = parse(text).unwrap();
        sections.retain(|(name, _)| name != "egg_info");
        sections
    }

    #[test]
    fn ok_setuptools_rewrite_reads_the_same() {
        let ours = without_egg_info(REWRITTEN);
        let theirs = without_egg_info(COMMITTED);
        assert_eq!(first_difference(&ours, &theirs), None);
        assert_eq!(
            theirs[0].1[3],
            (
                "long_description".to_owned(),
                "first line\nsecond line\n\nafter blank".to_owned()
            )
        );
        assert_eq!(theirs[1].1[1].1, "\nrequests>=2  # trailing\nclick");
    }

    #[test]
    fn err_each_change_is_named() {
        let theirs = without_egg_info(COMMITTED);
        for (from, to, expected) in [
            (
                "\tclick\n",
                "\tclick\n\tevil-helper\n",
                "`[options]` `install_requires` is",
            ),
            (
                "packages = pkg\n",
                "packages = pkg\nscripts = x.py\n",
                "sets `scripts`",
            ),
            ("addopts = -q\n", "", "lacks `addopts`"),
            (
                "[tool:pytest]\naddopts = -q\n",
                "",
                "section `[tool:pytest]` of the committed file is missing",
            ),
            (
                "[egg_info]",
                "[extra]\nx = 1\n[egg_info]",
                "section `[extra]` is not in the committed file",
            ),
            ("Demo ; not", "Demo; not", "`description`"),
        ] {
            let changed = REWRITTEN.replacen(from, to, 1);
            assert_ne!(changed, REWRITTEN, "{from}");
            let difference = first_difference(&without_egg_info(&changed), &theirs);
            assert!(
                difference.as_deref().is_some_and(|d| d.contains(expected)),
                "{from:?}: {difference:?}"
            );
        }
    }

    /// configparser reads a header up to its last `]` (what follows is ignored, and setuptools
    /// writes the bare header back), and drops an empty `[DEFAULT]`.
    #[test]
    fn ok_header_comments_and_empty_default() {
        let committed = "[DEFAULT]\n[metadata]  # the metadata\nname = foo\n[flake8] ; lint\nmax-line-length = 99\n[tool:pytest]   # pytest\naddopts = -q\n";
        let rewritten = "[metadata]\nname = foo\n\n[flake8]\nmax-line-length = 99\n\n[tool:pytest]\naddopts = -q\n\n[egg_info]\ntag_build = \n";
        let theirs = without_egg_info(committed);
        assert_eq!(
            theirs
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>(),
            ["metadata", "flake8", "tool:pytest"]
        );
        assert_eq!(
            first_difference(&without_egg_info(rewritten), &theirs),
            None
        );
    }

    #[test]
    fn err_unreadable_lines_are_named() {
        assert!(
            parse("key = 1\n")
                .unwrap_err()
                .contains("before any section")
        );
        assert!(parse("[a]\njust words\n").unwrap_err().contains("line 2"));
        assert!(parse("[a]\n[a]\n").unwrap_err().contains("twice"));
        assert!(parse("[a]\nk = 1\nk: 2\n").unwrap_err().contains("twice"));
        // Keys keep their case, so `K` is another option than `k`.
        let sections = parse("[a]\nk = 1\nK = 2\n").unwrap();
        assert_eq!(sections[0].1.len(), 2);
    }
}
