//! Wheel verification: the malformed-artifact cases of verify-rules.md §4.1-4.4 (T01..T67, odd
//! numbers), our own cases per check group, and differential runs against Python's `zipfile`.

use pyship_tests::zipwriter::{
    BASELINE_FILENAME, MODE_SYMLINK, Member, WheelBuilder, Zip64End, ZipWriter, deflate,
    extra_field,
};
use pyship_verify::{Finding, Severity, Target, VerifyOptions, verify_bytes};

mod differential;
mod layout;
mod memory;
mod names;
mod record;

fn options() -> VerifyOptions<'static> {
    VerifyOptions {
        target: Target::Pypi,
        md5: false,
        renderer: None,
        reporter: None,
        source_date_epoch: None,
    }
}

/// Verifies `bytes` as a wheel called `filename` and returns every finding.
fn verify_named(filename: &str, bytes: &[u8]) -> Vec<Finding> {
    verify_bytes(filename, bytes, &options()).0.findings
}

/// Verifies `bytes` as the baseline wheel's file name.
fn verify(bytes: &[u8]) -> Vec<Finding> {
    verify_named(BASELINE_FILENAME, bytes)
}

fn summary(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{} {} {:?}: {}", f.severity, f.id, f.member, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts an error with check id `id` among `findings`.
#[track_caller]
fn assert_error(findings: &[Finding], id: &str) {
    assert!(
        findings
            .iter()
            .any(|f| f.id.as_str() == id && f.severity == Severity::Error),
        "expected an error {id}, got:\n{}",
        summary(findings)
    );
}

/// Asserts a warning with check id `id` among `findings`.
#[track_caller]
fn assert_warning(findings: &[Finding], id: &str) {
    assert!(
        findings
            .iter()
            .any(|f| f.id.as_str() == id && f.severity == Severity::Warning),
        "expected a warning {id}, got:\n{}",
        summary(findings)
    );
}

/// Asserts that no finding at all comes from `groups`, and no error from anywhere.
#[track_caller]
fn assert_clean(findings: &[Finding], groups: &[&str]) {
    let bad: Vec<Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error || groups.contains(&f.id.group()))
        .cloned()
        .collect();
    assert!(
        bad.is_empty(),
        "expected no findings, got:\n{}",
        summary(&bad)
    );
}

/// The baseline wheel with `foo/a.py` added.
fn with_a_py() -> WheelBuilder {
    WheelBuilder::baseline().file("foo/a.py", b"A = 1\n")
}

#[test]
fn ok_baseline_wheel_is_clean() {
    let findings = verify(&WheelBuilder::baseline().bytes());
    assert_clean(&findings, &["ZIP", "REC", "WHF", "WHL", "PATH"]);
}

#[test]
fn ok_stored_members_are_clean() {
    let builder = WheelBuilder::baseline();
    let mut zip = builder.zip();
    for member in &mut zip.members {
        *member = Member::stored(&String::from_utf8_lossy(&member.name), &member.data);
    }
    assert_clean(&verify(&zip.to_bytes()), &["ZIP", "REC"]);
}

#[test]
fn err_t17_duplicate_zip_name() {
    let mut zip = with_a_py().zip();
    zip.members
        .insert(0, Member::deflated("foo/a.py", b"EVIL = 1\n"));
    assert_error(&verify(&zip.to_bytes()), "ZIP-05");
}

#[test]
fn err_t19_local_and_central_names_differ() {
    let mut zip = with_a_py().zip();
    let member = zip.member("foo/a.py");
    member.name = b"foo/b.py".to_vec();
    member.central_name = Some(b"foo/a.py".to_vec());
    assert_error(&verify(&zip.to_bytes()), "ZIP-04");
}

/// The one ZIP-01 error about a file that is no zip at all, with no other ZIP finding beside it.
#[track_caller]
fn only_not_a_zip(bytes: &[u8]) -> Finding {
    let findings = verify(bytes);
    let zip: Vec<&Finding> = findings.iter().filter(|f| f.id.group() == "ZIP").collect();
    assert!(
        zip.len() == 1 && zip[0].id.as_str() == "ZIP-01" && zip[0].severity == Severity::Error,
        "expected one ZIP-01 error, got:\n{}",
        summary(&findings)
    );
    let finding = zip[0].clone();
    assert!(
        finding.message.starts_with("not a zip archive: "),
        "{finding:?}"
    );
    finding
}

#[test]
fn err_text_file_named_whl_is_not_a_zip_archive_zip01() {
    let text = b"hello, this is plain text and not a wheel\n".repeat(40);
    let finding = only_not_a_zip(&text);
    assert!(
        finding.message.contains("`hello, this is p`...")
            && finding.message.contains(&format!(
                "no end of central directory record is in its last {} bytes",
                text.len()
            )),
        "{finding:?}"
    );
    assert!(!finding.message.contains("prefix"), "{finding:?}");
}

#[test]
fn err_empty_file_named_whl_is_not_a_zip_archive_zip01() {
    let finding = only_not_a_zip(b"");
    assert!(finding.message.contains("the file is empty"), "{finding:?}");
}

#[test]
fn err_gzip_and_tar_named_whl_are_named_as_what_they_are_zip01() {
    let sdist = pyship_tests::tarwriter::baseline_sdist();
    let finding = only_not_a_zip(&sdist);
    assert!(finding.message.contains("gzip-compressed"), "{finding:?}");
    // A plain tar passes ZIP-17's header check, but it is no zip, so only ZIP-01 is reported.
    let tar = pyship_tests::tarwriter::baseline_tar().finish();
    let finding = only_not_a_zip(&tar);
    assert!(finding.message.contains("uncompressed tar"), "{finding:?}");
}

#[test]
fn err_binary_junk_named_whl_is_quoted_escaped_zip01() {
    let junk: Vec<u8> = (0..=255u8).rev().cycle().take(3000).collect();
    let finding = only_not_a_zip(&junk);
    assert!(finding.message.contains(r"`\xff\xfe\xfd"), "{finding:?}");
    assert!(finding.message.is_ascii() && !finding.message.contains('\u{1b}'));
}

/// The errors in `findings`, as `(id, member)`.
fn error_ids(findings: &[Finding]) -> Vec<(&str, Option<&str>)> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.id.as_str(), f.member.as_deref()))
        .collect()
}

#[test]
fn err_non_normalized_wheel_name_is_one_fn02_without_whl01_or_whl03_echoes() {
    // The directories carry the normalized name the file name lacks: renaming the file fixes all.
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.data/data/share/foo.txt", b"x\n")
        .bytes();
    let findings = verify_named("Foo-1.0-py3-none-any.whl", &bytes);
    assert_eq!(
        error_ids(&findings),
        [("FN-02", None)],
        "{}",
        summary(&findings)
    );
}

#[test]
fn err_non_normalized_wheel_version_is_fn03_without_a_whl01_echo() {
    let findings = verify_named(
        "foo-1.00-py3-none-any.whl",
        &WheelBuilder::baseline().bytes(),
    );
    let errors = error_ids(&findings);
    assert!(
        !errors.is_empty() && errors.iter().all(|(id, _)| *id == "FN-03"),
        "{}",
        summary(&findings)
    );
}

#[test]
fn err_dist_info_name_differing_only_in_normalization_is_one_whl01() {
    let bytes = WheelBuilder::baseline()
        .with_dist_info("Foo-1.0.dist-info")
        .bytes();
    let findings = verify(&bytes);
    assert_eq!(
        error_ids(&findings),
        [("WHL-01", Some("Foo-1.0.dist-info"))],
        "{}",
        summary(&findings)
    );
}

/// The baseline wheel with every entry stamped with the DOS `date` and `time`.
fn stamped(date: u16, time: u16) -> Vec<u8> {
    let mut zip = WheelBuilder::baseline().zip();
    for member in &mut zip.members {
        member.date = date;
        member.time = time;
    }
    zip.to_bytes()
}

/// 2023-11-14 22:13:20 UTC, which is `SOURCE_DATE_EPOCH` 1 700 000 000, as DOS stores it.
const DOS_DATE_2023: u16 = (43 << 9) + (11 << 5) + 14;
const DOS_TIME_22_13_20: u16 = (22 << 11) + (13 << 5) + 10;

/// The ZIP-13 findings about `bytes` with `SOURCE_DATE_EPOCH` `epoch` (reproducible mode).
fn zip13_with_epoch(bytes: &[u8], epoch: Option<u64>) -> Vec<Finding> {
    let options = VerifyOptions {
        source_date_epoch: epoch,
        ..options()
    };
    let findings = verify_bytes(BASELINE_FILENAME, bytes, &options).0.findings;
    let (zip13, others): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.id.as_str() == "ZIP-13");
    assert_clean(&others, &["REC", "WHL"]);
    zip13
}

#[test]
fn ok_zip13_repro_mode_entries_at_source_date_epoch() {
    let bytes = stamped(DOS_DATE_2023, DOS_TIME_22_13_20);
    // DOS keeps even seconds, so one second later is written the same way.
    for epoch in [1_700_000_000, 1_700_000_001] {
        let found = zip13_with_epoch(&bytes, Some(epoch));
        assert!(found.is_empty(), "{epoch}: {}", summary(&found));
    }
}

#[test]
fn err_zip13_repro_mode_entries_at_another_time_is_one_error() {
    let bytes = stamped(DOS_DATE_2023, DOS_TIME_22_13_20);
    let found = zip13_with_epoch(&bytes, Some(1_700_000_002));
    assert_eq!(found.len(), 1, "{}", summary(&found));
    assert_eq!(found[0].severity, Severity::Error);
    let message = &found[0].message;
    assert!(
        message.starts_with("4 of 4 entries")
            && message.contains("has 2023-11-14 22:13:20")
            && message.contains("expected 2023-11-14 22:13:22 UTC"),
        "{message}"
    );
}

#[test]
fn ok_zip13_repro_mode_epoch_before_1980_is_clamped_to_1980() {
    // The baseline's entries are at 1980-01-01 00:00:00.
    let bytes = WheelBuilder::baseline().bytes();
    for epoch in [0, 315_532_800] {
        let found = zip13_with_epoch(&bytes, Some(epoch));
        assert!(found.is_empty(), "{epoch}: {}", summary(&found));
    }
    let found = zip13_with_epoch(&bytes, Some(1_700_000_000));
    assert_eq!(found.len(), 1, "{}", summary(&found));
}

#[test]
fn ok_zip13_without_source_date_epoch_any_valid_time_passes() {
    let bytes = stamped(DOS_DATE_2023, DOS_TIME_22_13_20);
    let found = zip13_with_epoch(&bytes, None);
    assert!(found.is_empty(), "{}", summary(&found));
}

#[test]
fn err_t21_cd_size_zero() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.cd_size = Some(0);
    assert_error(&verify(&zip.to_bytes()), "ZIP-02");
}

#[test]
fn err_t23_prefix_bytes_with_fixed_offsets() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.prefix = vec![0x90; 100];
    zip.offsets_include_prefix = true;
    let findings = verify(&zip.to_bytes());
    assert_error(&findings, "ZIP-01");
    assert!(
        findings
            .iter()
            .any(|f| f.message.contains("prefix bytes") && f.message.contains(r"`\x90\x90")),
        "{}",
        summary(&findings)
    );
}

#[test]
fn err_t25_archive_comment_holding_a_zip() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.comment = ZipWriter::new(vec![Member::stored("evil.py", b"print(1)\n")]).to_bytes();
    assert_error(&verify(&zip.to_bytes()), "ZIP-10");
}

#[test]
fn err_t27_zstd_and_bzip2_methods() {
    for method in [93, 12] {
        let mut zip = WheelBuilder::baseline().zip();
        let member = zip.member("foo/__init__.py");
        member.method = method;
        member.raw = Some(b"not really compressed".to_vec());
        assert_error(&verify(&zip.to_bytes()), "ZIP-08");
    }
}

#[test]
fn err_t29_crc_wrong_in_both_headers() {
    let mut zip = with_a_py().zip();
    let member = zip.member("foo/a.py");
    member.crc32 = Some(crc32fast::hash(&member.data) ^ 1);
    assert_error(&verify(&zip.to_bytes()), "ZIP-09");
}

#[test]
fn err_t31_encrypted_flag() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.member("foo/__init__.py").flags |= 1;
    assert_error(&verify(&zip.to_bytes()), "ZIP-07");
}

#[test]
fn err_t33_compression_ratio_above_pypi_limit() {
    // A smaller equivalent of the 4 GiB member: 65 MiB of zeros crosses PyPI's 64 MiB floor and
    // deflates to about 64 KiB, far above the ratio of 50.
    let zeros = vec![0u8; 65 * 1024 * 1024];
    let builder = WheelBuilder::baseline().file("foo/zeros.bin", &zeros);
    let findings = verify(&builder.bytes());
    assert_error(&findings, "ZIP-16");
    assert_clean(&findings_without(&findings, "ZIP-16"), &["REC"]);
}

fn findings_without(findings: &[Finding], id: &str) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.id.as_str() != id)
        .cloned()
        .collect()
}

#[test]
fn err_t35_unicode_path_extra() {
    let mut zip = with_a_py().zip();
    let mut data = vec![1];
    data.extend_from_slice(&crc32fast::hash(b"foo/a.py").to_le_bytes());
    data.extend_from_slice(b"foo/evil.py");
    let extra = extra_field(0x7075, &data);
    let member = zip.member("foo/a.py");
    member.local_extra.clone_from(&extra);
    member.central_extra = extra;
    assert_error(&verify(&zip.to_bytes()), "ZIP-11");
}

#[test]
fn err_t37_symlink_entry() {
    let builder = WheelBuilder::baseline().file("foo/link", b"/etc/passwd");
    let mut zip = builder.zip();
    zip.member("foo/link").external_attr = MODE_SYMLINK;
    assert_error(&verify(&zip.to_bytes()), "ZIP-14");
}

#[test]
fn err_t39_directory_entry_with_payload() {
    let mut zip = WheelBuilder::baseline().zip();
    let mut dir = Member::directory("foo/");
    dir.data = b"payload".to_vec();
    dir.raw = None;
    zip.members.insert(0, dir);
    assert_error(&verify(&zip.to_bytes()), "ZIP-15");
}

#[test]
fn err_t41_zip_that_is_also_a_tar() {
    let bytes = tar_polyglot();
    assert_error(&verify(&bytes), "ZIP-17");
}

/// The baseline with a ustar header laid over the first local header and its extra field.
fn tar_polyglot() -> Vec<u8> {
    let mut zip = WheelBuilder::baseline().zip();
    // 30-byte header + 15-byte name + 4-byte TLV header: the extra's data spans 49..649.
    zip.members[0].local_extra = extra_field(0xcafe, &[0u8; 600]);
    let mut bytes = zip.to_bytes();
    bytes[257..265].copy_from_slice(b"ustar\x0000");
    bytes[148..156].copy_from_slice(b"        ");
    let sum: u32 = bytes[..512].iter().map(|b| u32::from(*b)).sum();
    bytes[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    bytes
}

#[test]
fn err_t47_non_ascii_name_without_utf8_flag() {
    let builder = WheelBuilder::baseline().file("foo/café.py", b"X = 1\n");
    let bytes = builder.bytes();
    assert_error(&verify(&bytes), "ZIP-07");
}

#[test]
fn ok_non_ascii_name_with_utf8_flag_has_no_zip_finding() {
    let mut zip = WheelBuilder::baseline()
        .file("foo/café.py", b"X = 1\n")
        .zip();
    zip.member("foo/café.py").flags |= 1 << 11;
    let findings = verify(&zip.to_bytes());
    assert!(
        !findings.iter().any(|f| f.id.as_str() == "ZIP-07"),
        "{}",
        summary(&findings)
    );
}

#[test]
fn err_trailing_bytes_after_end_record() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.trailing = b"junk".to_vec();
    assert_error(&verify(&zip.to_bytes()), "ZIP-01");
}

#[test]
fn err_data_descriptor_flag() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.member("foo/__init__.py").flags |= 1 << 3;
    assert_error(&verify(&zip.to_bytes()), "ZIP-07");
}

#[test]
fn err_local_header_without_central_record() {
    let mut zip = with_a_py().zip();
    zip.member("foo/a.py").in_central = false;
    assert_error(&verify(&zip.to_bytes()), "ZIP-04");
}

#[test]
fn err_setuid_mode() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.member("foo/__init__.py").external_attr = 0o104_755 << 16;
    assert_error(&verify(&zip.to_bytes()), "ZIP-14");
}

#[test]
fn warn_exec_bit_outside_scripts_and_libraries() {
    let mut zip = WheelBuilder::baseline()
        .file("foo/_x.cpython-311-x86_64-linux-gnu.so", b"not really")
        .file("foo-1.0.data/scripts/run", b"#!python\n")
        .zip();
    zip.member("foo/__init__.py").external_attr = 0o100_755 << 16;
    zip.member("foo/_x.cpython-311-x86_64-linux-gnu.so")
        .external_attr = 0o100_755 << 16;
    zip.member("foo-1.0.data/scripts/run").external_attr = 0o100_755 << 16;
    let findings = verify(&zip.to_bytes());
    let exec: Vec<_> = findings
        .iter()
        .filter(|f| f.id.as_str() == "ZIP-14")
        .map(|f| (f.severity, f.member.as_deref()))
        .collect();
    assert_eq!(
        exec,
        [(Severity::Warning, Some("foo/__init__.py"))],
        "{}",
        summary(&findings)
    );
}

#[test]
fn err_stored_sizes_differ() {
    let mut zip = WheelBuilder::baseline().zip();
    let member = zip.member("foo/__init__.py");
    *member = Member::stored("foo/__init__.py", &member.data);
    member.uncompressed_size = Some(3);
    assert_error(&verify(&zip.to_bytes()), "ZIP-09");
}

#[test]
fn err_short_usize_deflate_stream_inflates_past_declared_size() {
    let zip = short_usize_wheel();
    assert_error(&verify(&zip.to_bytes()), "ZIP-09");
}

/// `foo/a.py` declares the 9 benign bytes, but its deflate stream goes on to a payload (malo
/// `short_usize`). The declared CRC-32 covers the 9 bytes, so a reader stopping there is happy.
fn short_usize_wheel() -> ZipWriter {
    const BENIGN: &[u8] = b"# benign\n";
    let full = [BENIGN, b"print('malicious')\n".as_slice()].concat();
    let mut zip = WheelBuilder::baseline().file("foo/a.py", BENIGN).zip();
    let member = zip.member("foo/a.py");
    member.raw = Some(deflate(&full));
    member.crc32 = Some(crc32fast::hash(BENIGN));
    member.uncompressed_size = Some(9);
    zip
}

#[test]
fn err_truncated_deflate_stream() {
    let mut zip = with_a_py().zip();
    let member = zip.member("foo/a.py");
    let mut raw = deflate(&member.data);
    raw.pop();
    member.raw = Some(raw);
    assert_error(&verify(&zip.to_bytes()), "ZIP-09");
}

#[test]
fn err_deflate_stream_ends_before_compressed_size() {
    let mut zip = with_a_py().zip();
    let member = zip.member("foo/a.py");
    let mut raw = deflate(&member.data);
    raw.extend_from_slice(b"hidden");
    member.raw = Some(raw);
    assert_error(&verify(&zip.to_bytes()), "ZIP-09");
}

/// `foo/__init__.py` with both sizes as ZIP64 sentinels and a ZIP64 extra of `extra_len` bytes.
fn zip64_sizes(extra_len: usize) -> Vec<u8> {
    let mut zip = WheelBuilder::baseline().zip();
    let member = zip.member("foo/__init__.py");
    let (usize, csize) = (member.data.len() as u64, member.raw_data().len() as u64);
    let mut data = [usize.to_le_bytes(), csize.to_le_bytes()].concat();
    data.resize(extra_len, 0);
    let extra = extra_field(0x0001, &data);
    member.uncompressed_size = Some(u32::MAX);
    member.compressed_size = Some(u32::MAX);
    member.local_extra.clone_from(&extra);
    member.central_extra = extra;
    zip.to_bytes()
}

#[test]
fn warn_unneeded_zip64_extra() {
    let findings = verify(&zip64_sizes(16));
    assert_warning(&findings, "ZIP-03");
    assert_clean(&findings_without(&findings, "ZIP-03"), &["ZIP", "REC"]);
}

#[test]
fn err_zip64_extra_of_wrong_length() {
    assert_error(&verify(&zip64_sizes(24)), "ZIP-03");
}

#[test]
fn err_zip64_sentinel_without_extra() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.member("foo/__init__.py").compressed_size = Some(u32::MAX);
    assert_error(&verify(&zip.to_bytes()), "ZIP-03");
}

#[test]
fn err_truncated_extra_field() {
    let mut zip = WheelBuilder::baseline().zip();
    let member = zip.member("foo/__init__.py");
    member.local_extra = vec![0x55, 0x54, 0x09, 0x00, 0x01];
    member.central_extra.clone_from(&member.local_extra);
    assert_error(&verify(&zip.to_bytes()), "ZIP-11");
}

#[test]
fn warn_invalid_dos_date() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.member("foo/__init__.py").date = 0;
    assert_warning(&verify(&zip.to_bytes()), "ZIP-13");
}

#[test]
fn warn_directory_entry_present() {
    let mut zip = WheelBuilder::baseline().zip();
    zip.members.insert(0, Member::directory("foo/"));
    let findings = verify(&zip.to_bytes());
    assert_warning(&findings, "ZIP-15");
    assert!(
        !findings
            .iter()
            .any(|f| f.id.as_str() == "ZIP-15" && f.severity == Severity::Error)
    );
}

#[test]
fn err_truncated_archive_never_panics() {
    let bytes = WheelBuilder::baseline().bytes();
    for cut in 0..bytes.len() {
        let findings = verify(&bytes[..cut]);
        assert!(
            findings.iter().any(|f| f.severity == Severity::Error),
            "a wheel cut at {cut} bytes passed"
        );
    }
}

/// Every single-byte corruption of the baseline is judged without a panic, and any change to the
/// bytes the strict reader covers (everything but the DOS time fields and version-made-by) is
/// reported.
#[test]
fn err_flipped_bytes_never_panic() {
    let bytes = WheelBuilder::baseline().bytes();
    let baseline = verify(&bytes);
    let mut unreported = 0;
    for at in 0..bytes.len() {
        for mask in [0x01, 0x80, 0xff] {
            let mut corrupt = bytes.clone();
            corrupt[at] ^= mask;
            if verify(&corrupt) == baseline {
                unreported += 1;
            }
        }
    }
    // Flips in fields no rule constrains (internal attributes, DOS seconds, version-made-by low
    // byte, ...) may pass; they must stay a small minority.
    assert!(
        unreported * 10 < bytes.len() * 3,
        "{unreported} of {} corruptions went unreported",
        bytes.len() * 3
    );
}

/// Where `name`'s local header starts in `zip`'s bytes (members are written in order).
fn local_offset(zip: &ZipWriter, name: &str) -> u32 {
    let mut offset = zip.prefix.len();
    for member in &zip.members {
        if member.name == name.as_bytes() {
            return u32::try_from(offset).unwrap();
        }
        offset += 30 + member.name.len() + member.local_extra.len() + member.raw_data().len();
        offset += member.trailing.len();
    }
    panic!("no member `{name}`")
}

#[track_caller]
fn assert_error_saying(findings: &[Finding], id: &str, text: &str) {
    assert!(
        findings.iter().any(|f| f.id.as_str() == id
            && f.severity == Severity::Error
            && f.message.contains(text)),
        "expected an error {id} saying `{text}`, got:\n{}",
        summary(findings)
    );
}

/// ZIP-06, quoted overlap: `foo/b.py`'s central entry points at a copy of its local header
/// hidden inside `foo/blob.bin`'s stored data, so the two entries share bytes.
#[test]
fn err_zip06_overlapping_entries() {
    let b = Member::deflated("foo/b.py", b"B = 2\n");
    let local_len = 30 + b.name.len() + b.raw_data().len();
    let hidden = ZipWriter::new(vec![b.clone()]).to_bytes()[..local_len].to_vec();
    let builder = WheelBuilder::baseline()
        .file("foo/blob.bin", &hidden)
        .file("foo/b.py", b"B = 2\n");
    let mut zip = builder.zip();
    *zip.member("foo/blob.bin") = Member::stored("foo/blob.bin", &hidden);
    let inside = local_offset(&zip, "foo/blob.bin") + 30 + "foo/blob.bin".len() as u32;
    zip.member("foo/b.py").central_offset = Some(inside);

    let findings = verify(&zip.to_bytes());

    assert_error_saying(&findings, "ZIP-06", "inside entry `foo/blob.bin`");
    assert_error_saying(&findings, "ZIP-06", "entries overlap");
}

/// ZIP-06: two central entries name the same local header.
#[test]
fn err_zip06_two_central_entries_share_one_local_header() {
    let mut zip = with_a_py().zip();
    let shared = local_offset(&zip, "foo/__init__.py");
    zip.member("foo/a.py").central_offset = Some(shared);

    let findings = verify(&zip.to_bytes());

    assert_error_saying(
        &findings,
        "ZIP-06",
        &format!("two central directory entries share the local header at offset {shared}"),
    );
}

/// ZIP-06: bytes between one entry's data and the next record are hidden data.
#[test]
fn err_zip06_gap_bytes_between_entries() {
    let mut zip = with_a_py().zip();
    zip.member("foo/__init__.py").trailing = b"hidden bytes between entries".to_vec();

    let findings = verify(&zip.to_bytes());

    assert_error_saying(&findings, "ZIP-06", "expected records to follow each other");
}

/// ZIP-03 control: the end record carries only ZIP64 sentinels, so the central directory can be
/// found through the ZIP64 end record and its locator alone. Verified without an error; the one
/// finding is that an archive this small does not need ZIP64 (a warning).
#[test]
fn ok_zip03_eocd64_with_locator_declares_the_central_directory() {
    let mut zip = with_a_py().zip();
    zip.zip64_end = Some(Zip64End {
        sentinels: true,
        locator_offset: None,
    });

    let findings = verify(&zip.to_bytes());

    assert_warning(&findings, "ZIP-03");
    assert_clean(
        &findings_without(&findings, "ZIP-03"),
        &["ZIP", "REC", "WHL"],
    );
}

/// ZIP-03: a locator that does not point at the ZIP64 end record.
#[test]
fn err_zip03_eocd64_locator_points_elsewhere() {
    let mut zip = with_a_py().zip();
    zip.zip64_end = Some(Zip64End {
        sentinels: true,
        locator_offset: Some(0),
    });

    let findings = verify(&zip.to_bytes());

    assert_error_saying(&findings, "ZIP-03", "ZIP64 locator points at offset 0");
}

/// ZIP-16: more than 10,000 entries is a warning; the wheel is otherwise clean.
#[test]
fn warn_zip16_more_than_ten_thousand_entries() {
    let mut builder = WheelBuilder::baseline();
    for i in 0..10_000 {
        builder = builder.file(&format!("foo/m{i}.py"), b"");
    }
    let findings = verify(&builder.bytes());
    assert!(
        findings.iter().any(|f| f.id.as_str() == "ZIP-16"
            && f.severity == Severity::Warning
            && f.message.contains("10004 entries; expected at most 10000")),
        "{}",
        summary(&findings)
    );
    assert_clean(&findings_without(&findings, "ZIP-16"), &["ZIP", "REC"]);
}

/// ZIP-16: more than 100,000 local headers stops the scan with an error.
#[test]
fn err_zip16_more_than_a_hundred_thousand_entries() {
    let members = (0..100_001)
        .map(|i| Member {
            // The scan stops among the local headers; no central directory is needed.
            in_central: false,
            ..Member::stored(&format!("foo/m{i}.py"), b"")
        })
        .collect();
    let findings = verify(&ZipWriter::new(members).to_bytes());
    assert_error_saying(&findings, "ZIP-16", "more than 100000 entries");
}

/// FN-09: PyPI's and TestPyPI's default per-file limit is 100 MiB; one byte more is an error,
/// exactly the limit is not, and a generic index has no such limit. The files are sparse: a
/// baseline wheel followed by zeros up to the size under test.
#[test]
fn err_fn09_file_over_the_index_size_limit() {
    const LIMIT: u64 = 100 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let fn09 = |size: u64, target: Target| -> Vec<Finding> {
        let path = dir.path().join(BASELINE_FILENAME);
        std::fs::write(&path, WheelBuilder::baseline().bytes()).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(size)
            .unwrap();
        let options = VerifyOptions {
            target,
            ..options()
        };
        let report = pyship_verify::verify_files(&[path], &options).unwrap();
        report
            .findings()
            .filter(|f| f.id.as_str() == "FN-09")
            .cloned()
            .collect()
    };
    for target in [Target::Pypi, Target::Testpypi] {
        let over = fn09(LIMIT + 1, target);
        assert_eq!(over.len(), 1, "{target}: {}", summary(&over));
        assert_eq!(over[0].severity, Severity::Error);
        assert!(
            over[0].message.contains(&format!(
                "file is {} bytes; {target} accepts at most {LIMIT} bytes",
                LIMIT + 1
            )),
            "{}",
            summary(&over)
        );
        assert!(
            fn09(LIMIT, target).is_empty(),
            "{target}: exactly the limit"
        );
    }
    assert!(fn09(LIMIT + 1, Target::Generic).is_empty());
}
