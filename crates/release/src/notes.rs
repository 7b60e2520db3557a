//! Release notes: the CHANGELOG section for the version (Markdown or reStructuredText), else GitHub's generated notes for an
//! explicit range, and the 125,000-character body limit handled by moving the full text into an
//! asset and pointing at it.
//! See: github-release.md §5 case 13 (goreleaser#2647, cli/cli#7705).

use crate::client::GitHubClient;
use crate::error::ReleaseError;

/// GitHub's limit on a release body, in characters.
pub const MAX_BODY_CHARS: usize = 125_000;

/// Name of the asset that holds notes too long for the body.
pub const NOTES_ASSET_NAME: &str = "RELEASE-NOTES.md";

/// Notes ready for the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedNotes {
    /// The body to send (at most [`MAX_BODY_CHARS`] characters).
    pub body: String,
    /// The full text, when it did not fit and must be uploaded as [`NOTES_ASSET_NAME`].
    pub full_text: Option<String>,
}

/// The section of a changelog whose heading names `version` (as `1.2.3`, `v1.2.3` or
/// `[1.2.3]`), up to the next heading of the same or a higher level. Headings are Markdown ATX
/// (`## 1.2.3`), Markdown setext and reStructuredText (a title underlined, and optionally
/// overlined, by one repeated punctuation character). Empty sections count as absent so
/// generated notes take over.
#[must_use]
pub fn changelog_section(changelog: &str, version: &str) -> Option<String> {
    let lines: Vec<&str> = changelog.lines().collect();
    let headings = headings(&lines);
    let position = headings
        .iter()
        .position(|h| title_names_version(h.title, version))?;
    let found = &headings[position];
    let end = headings[position + 1..]
        .iter()
        .find(|h| h.level <= found.level)
        .map_or(lines.len(), |h| h.first_line);
    let text = lines[found.body_line..end].join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// One heading: its title, its level (smaller is higher), the line it starts on (an overline
/// included) and the first line after it.
struct Heading<'a> {
    title: &'a str,
    level: usize,
    first_line: usize,
    body_line: usize,
}

/// Every heading of a changelog. Underlined styles get levels in their order of first
/// appearance, as reStructuredText defines them; Markdown setext titles come out the same way
/// (`=` before `-` in practice). ATX headings keep their `#` count.
/// See: https://docutils.sourceforge.io/docs/ref/rst/restructuredtext.html#sections
fn headings<'a>(lines: &[&'a str]) -> Vec<Heading<'a>> {
    let mut styles: Vec<(u8, bool)> = Vec::new();
    let mut found = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if let Some((level, title)) = atx_heading(lines[index]) {
            found.push(Heading {
                title,
                level,
                first_line: index,
                body_line: index + 1,
            });
            index += 1;
            continue;
        }
        let Some((style, title_line, body_line)) = underlined_heading(lines, index) else {
            index += 1;
            continue;
        };
        let rank = styles.iter().position(|s| *s == style).unwrap_or_else(|| {
            styles.push(style);
            styles.len() - 1
        });
        found.push(Heading {
            title: lines[title_line].trim(),
            level: rank + 1,
            first_line: index,
            body_line,
        });
        index = body_line;
    }
    found
}

/// `(style, title line, first body line)` for a title starting at `index`: an overline, the
/// title and the same underline, or the title and an underline.
fn underlined_heading(lines: &[&str], index: usize) -> Option<((u8, bool), usize, usize)> {
    let at = |i: usize| lines.get(i).copied();
    if let (Some(over), Some(title), Some(under)) = (at(index), at(index + 1), at(index + 2))
        && let Some(mark) = adornment(over)
        && is_title(title)
        && over.trim_end() == under.trim_end()
    {
        return Some(((mark, true), index + 1, index + 3));
    }
    let (title, under) = (at(index)?, at(index + 1)?);
    let mark = adornment(under)?;
    is_title(title).then_some(((mark, false), index, index + 2))
}

/// The character of a line made of one repeated punctuation character, at least three long.
fn adornment(line: &str) -> Option<u8> {
    let line = line.trim_end();
    let first = *line.as_bytes().first()?;
    let uniform = line.bytes().all(|b| b == first);
    (line.len() >= 3 && uniform && b"=-~^\"'`#*+:._".contains(&first)).then_some(first)
}

/// Whether a line can be a title above an underline: text, not a list item or an adornment.
fn is_title(line: &str) -> bool {
    let text = line.trim();
    !text.is_empty()
        && !line.starts_with([' ', '\t'])
        && adornment(line).is_none()
        && !["- ", "* ", "+ "].iter().any(|p| text.starts_with(p))
}

fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    let rest = line.get(level..)?;
    (1..=6).contains(&level).then_some(())?;
    rest.starts_with(' ').then(|| (level, rest.trim()))
}

fn title_names_version(title: &str, version: &str) -> bool {
    title
        .split(|c: char| c.is_whitespace() || "[]()".contains(c))
        .any(|word| word.strip_prefix('v').unwrap_or(word) == version)
}

/// Fits `text` into a release body: unchanged when short enough, else a prefix plus a pointer
/// to the [`NOTES_ASSET_NAME`] asset that carries the whole text.
#[must_use]
pub fn prepare_notes(text: &str) -> PreparedNotes {
    if text.chars().count() <= MAX_BODY_CHARS {
        return PreparedNotes {
            body: text.to_owned(),
            full_text: None,
        };
    }
    let pointer = format!(
        "\n\n---\nThese notes are cut short: GitHub allows {MAX_BODY_CHARS} characters. \
         The full text is in the release asset `{NOTES_ASSET_NAME}`.\n"
    );
    let keep = MAX_BODY_CHARS - pointer.chars().count();
    let prefix: String = text.chars().take(keep).collect();
    PreparedNotes {
        body: prefix + &pointer,
        full_text: Some(text.to_owned()),
    }
}

/// Asks GitHub to generate notes for `tag` since `previous_tag`. The previous tag is always
/// passed explicitly (`None` only for a first release) so GitHub never guesses the range.
/// See: cli/cli#7705 (wrong range after old tags were deleted).
pub fn generate_notes(
    client: &GitHubClient,
    tag: &str,
    commit: &crate::model::CommitSha,
    previous_tag: Option<&str>,
) -> Result<String, ReleaseError> {
    #[derive(serde::Deserialize)]
    struct Generated {
        body: String,
    }
    let api = |source| ReleaseError::Api {
        action: format!("generate notes for `{tag}`"),
        source,
    };
    let url = client.repo_url("releases/generate-notes").map_err(api)?;
    let mut body = serde_json::json!({ "tag_name": tag, "target_commitish": commit.as_str() });
    if let Some(previous) = previous_tag {
        body["previous_tag_name"] = previous.into();
    }
    let generated: Generated = client
        .send_json("POST", &url, &body)
        .and_then(|r| r.expect(&[200])?.json())
        .map_err(api)?;
    Ok(generated.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n- wip\n\n## [1.2.0] - 2026-01-02\n\
        ### Fixed\n- a bug\n\n## v1.1.0\n- older\n";

    #[test]
    fn ok_section_with_subheadings_until_next_release() {
        let section = changelog_section(CHANGELOG, "1.2.0").unwrap();
        assert_eq!(section, "### Fixed\n- a bug");
    }

    #[test]
    fn ok_section_with_v_prefix_heading() {
        assert_eq!(
            changelog_section(CHANGELOG, "1.1.0").as_deref(),
            Some("- older")
        );
    }

    #[test]
    fn ok_rest_changelog_with_overlined_title_and_dated_versions() {
        let rst = "=========\nChangelog\n=========\n\n1.2.0 (2026-01-02)\n------------------\n\n\
            Fixed\n~~~~~\n\n* a bug\n\n1.1.0\n-----\n\n* older\n";
        assert_eq!(
            changelog_section(rst, "1.2.0").as_deref(),
            Some("Fixed\n~~~~~\n\n* a bug")
        );
        assert_eq!(changelog_section(rst, "1.1.0").as_deref(), Some("* older"));
    }

    #[test]
    fn ok_markdown_setext_headings() {
        let md = "Changelog\n=========\n\nv2.0.0\n------\n- new\n---\n\n1.0.0\n-----\n- first\n";
        assert_eq!(
            changelog_section(md, "2.0.0").as_deref(),
            Some("- new\n---")
        );
        assert_eq!(changelog_section(md, "1.0.0").as_deref(), Some("- first"));
    }

    #[test]
    fn list_items_and_rules_are_not_titles() {
        let md = "## 1.0.0\n- 1.1.0 preview\n---\ntext\n";
        assert_eq!(
            changelog_section(md, "1.0.0").as_deref(),
            Some("- 1.1.0 preview\n---\ntext")
        );
        assert_eq!(changelog_section(md, "1.1.0"), None);
    }

    #[test]
    fn missing_version_has_no_section() {
        assert_eq!(changelog_section(CHANGELOG, "1.2"), None);
        assert_eq!(changelog_section(CHANGELOG, "9.9.9"), None);
    }

    #[test]
    fn long_notes_become_prefix_and_pointer() {
        let text = "é".repeat(MAX_BODY_CHARS + 10);
        let notes = prepare_notes(&text);
        assert_eq!(notes.body.chars().count(), MAX_BODY_CHARS);
        assert!(notes.body.contains(NOTES_ASSET_NAME));
        assert_eq!(notes.full_text.as_deref(), Some(text.as_str()));
    }

    #[test]
    fn notes_at_the_limit_stay_whole() {
        let text = "a".repeat(MAX_BODY_CHARS);
        assert_eq!(
            prepare_notes(&text),
            PreparedNotes {
                body: text,
                full_text: None
            }
        );
    }
}
