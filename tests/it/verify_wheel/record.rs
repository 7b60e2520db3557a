//! RECORD cases: T01..T15 of verify-rules.md §4.1 and our own REC-* cases.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sha2::{Digest as _, Sha256, Sha512};

use super::{assert_clean, assert_error, verify, with_a_py};
use pyship_tests::zipwriter::{Member, WheelBuilder, record_hash, record_row};

/// The baseline wheel whose RECORD is `record` (rows for every file must be supplied).
fn with_record(builder: &WheelBuilder, record: &str) -> Vec<u8> {
    let mut builder = builder.clone();
    builder.record = Some(record.as_bytes().to_vec());
    builder.bytes()
}

/// The correct RECORD with the row for `path` replaced by `row`.
fn replace_row(builder: &WheelBuilder, path: &str, row: &str) -> String {
    builder
        .record_text()
        .lines()
        .map(|line| {
            if line.starts_with(&format!("{path},")) {
                format!("{row}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

#[test]
fn err_t01_digest_differs_from_content() {
    let builder = with_a_py();
    let mut zip = builder.zip();
    zip.member("foo/a.py").data = b"A = 2\n".to_vec();
    assert_error(&verify(&zip.to_bytes()), "REC-07");
}

#[test]
fn err_t03_row_without_member() {
    let builder = WheelBuilder::baseline();
    let record = builder.record_text() + &record_row("foo/ghost.py", b"0123456789");
    assert_error(&verify(&with_record(&builder, &record)), "REC-02");
}

#[test]
fn err_t05_md5_and_sha1_rows() {
    let builder = with_a_py();
    for row in [
        "foo/a.py,md5=2iRDh6PL3kq7HmTjPHfi0Q,6",
        "foo/a.py,sha1=y9RX3d3Y2wLQaGSX4Jkl-5LbDbg,6",
    ] {
        let record = replace_row(&builder, "foo/a.py", row);
        assert_error(&verify(&with_record(&builder, &record)), "REC-06");
    }
}

#[test]
fn err_t07_standard_base64_alphabet() {
    // Find content whose digest uses `+` or `/` in the standard alphabet.
    let data = (0u32..1000)
        .map(|i| format!("A = {i}\n").into_bytes())
        .find(|data| {
            STANDARD_NO_PAD
                .encode(Sha256::digest(data))
                .contains(['+', '/'])
        })
        .expect("some digest has `+` or `/`");
    let builder = WheelBuilder::baseline().file("foo/a.py", &data);
    let row = format!(
        "foo/a.py,sha256={},{}",
        STANDARD_NO_PAD.encode(Sha256::digest(&data)),
        data.len()
    );
    let record = replace_row(&builder, "foo/a.py", &row);
    assert_error(&verify(&with_record(&builder, &record)), "REC-06");
}

#[test]
fn err_t09_non_canonical_trailing_bits() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let builder = with_a_py();
    let mut digest = URL_SAFE_NO_PAD
        .encode(Sha256::digest(b"A = 1\n"))
        .into_bytes();
    let last = digest.last_mut().expect("non-empty");
    let index = ALPHABET.iter().position(|c| c == last).expect("url-safe");
    *last = ALPHABET[index ^ 1];
    let digest = String::from_utf8(digest).expect("ascii");
    let record = replace_row(&builder, "foo/a.py", &format!("foo/a.py,sha256={digest},6"));
    assert_error(&verify(&with_record(&builder, &record)), "REC-06");
}

#[test]
fn err_t11_empty_size() {
    let builder = with_a_py();
    let row = format!("foo/a.py,{},", record_hash(b"A = 1\n"));
    let record = replace_row(&builder, "foo/a.py", &row);
    assert_error(&verify(&with_record(&builder, &record)), "REC-05");
}

#[test]
fn err_t13_directory_row_and_entry() {
    let builder = WheelBuilder::baseline();
    let record = builder.record_text() + "foo-1.0.dist-info/licenses/,,\n";
    let mut builder = builder.clone();
    builder.record = Some(record.into_bytes());
    let mut zip = builder.zip();
    zip.members
        .insert(0, Member::directory("foo-1.0.dist-info/licenses/"));
    let findings = verify(&zip.to_bytes());
    assert_error(&findings, "REC-09");
    assert!(findings.iter().any(|f| f.id.as_str() == "ZIP-15"));
}

#[test]
fn err_t15_bom_and_four_fields() {
    let builder = WheelBuilder::baseline();
    let bom = format!("\u{feff}{}", builder.record_text());
    assert_error(&verify(&with_record(&builder, &bom)), "REC-01");
    let row = format!("foo/__init__.py,{},10,extra", record_hash(b"VALUE = 1\n"));
    let four = replace_row(&builder, "foo/__init__.py", &row);
    assert_error(&verify(&with_record(&builder, &four)), "REC-01");
}

#[test]
fn err_member_missing_from_record() {
    let builder = with_a_py();
    let record = replace_row(&builder, "foo/a.py", "");
    let record = record.replace("\n\n", "\n");
    assert_error(&verify(&with_record(&builder, &record)), "REC-02");
}

#[test]
fn err_duplicate_record_row() {
    let builder = with_a_py();
    let record = builder.record_text() + &record_row("foo/a.py", b"A = 1\n");
    assert_error(&verify(&with_record(&builder, &record)), "REC-03");
}

#[test]
fn err_record_row_for_itself_has_hash() {
    let builder = WheelBuilder::baseline();
    let record = builder.record_text().replace(
        "RECORD,,",
        "RECORD,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0",
    );
    assert_error(&verify(&with_record(&builder, &record)), "REC-04");
}

#[test]
fn err_size_differs_from_member() {
    let builder = with_a_py();
    let row = format!("foo/a.py,{},7", record_hash(b"A = 1\n"));
    let record = replace_row(&builder, "foo/a.py", &row);
    assert_error(&verify(&with_record(&builder, &record)), "REC-08");
}

#[test]
fn err_quote_inside_unquoted_field() {
    let builder = with_a_py();
    let row = format!("foo/a\"b.py,{},6", record_hash(b"A = 1\n"));
    let record = builder.record_text() + &row + "\n";
    assert_error(&verify(&with_record(&builder, &record)), "REC-01");
}

/// A sha512 row is checked as sha512, not skipped and not taken as sha256.
#[test]
fn ok_sha512_row_checked_with_sha512() {
    let builder = with_a_py();
    let good = format!(
        "foo/a.py,sha512={},6",
        URL_SAFE_NO_PAD.encode(Sha512::digest(b"A = 1\n"))
    );
    let record = replace_row(&builder, "foo/a.py", &good);
    assert_clean(&verify(&with_record(&builder, &record)), &["REC"]);
    let bad = format!(
        "foo/a.py,sha512={},6",
        URL_SAFE_NO_PAD.encode(Sha512::digest(b"A = 2\n"))
    );
    let record = replace_row(&builder, "foo/a.py", &bad);
    assert_error(&verify(&with_record(&builder, &record)), "REC-07");
}

#[test]
fn ok_quoted_record_fields_parse() {
    let builder = WheelBuilder::baseline().file("foo/a,b.py", b"X = 1\n");
    let row = format!("\"foo/a,b.py\",\"{}\",\"6\"", record_hash(b"X = 1\n"));
    let record = builder
        .record_text()
        .replace(&record_row("foo/a,b.py", b"X = 1\n"), &format!("{row}\n"));
    assert_clean(&verify(&with_record(&builder, &record)), &["REC"]);
}

#[test]
fn err_signature_file_flagged_but_exempt_from_record() {
    let builder = WheelBuilder::baseline();
    let mut zip = builder.zip();
    let at = zip.members.len() - 1;
    zip.members
        .insert(at, Member::deflated("foo-1.0.dist-info/RECORD.jws", b"{}"));
    let findings = verify(&zip.to_bytes());
    assert_error(&findings, "WHL-06");
    assert!(!findings.iter().any(|f| f.id.as_str() == "REC-02"));
}
