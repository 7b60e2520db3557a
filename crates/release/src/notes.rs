//! Release notes: the CHANGELOG section for the version, else GitHub's generated notes for an
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

/// The section of a Markdown changelog whose heading names `version` (as `1.2.3`, `v1.2.3` or
/// `[1.2.3]`), up to the next heading of the same or a higher level. Empty sections count as
/// absent so generated notes take over.
// FIXME(#4): only Markdown ATX headings (`## 1.2.3`) are recognised; reST and setext changelogs
// fall back to generated notes.
#[must_use]
pub fn changelog_section(changelog: &str, version: &str) -> Option<String> {
    let mut lines = changelog.lines();
    let level = lines.by_ref().find_map(|line| {
        let (level, title) = heading(line)?;
        title_names_version(title, version).then_some(level)
    })?;
    let section: Vec<&str> = lines
        .take_while(|line| heading(line).is_none_or(|(other, _)| other > level))
        .collect();
    let text = section.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn heading(line: &str) -> Option<(usize, &str)> {
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
