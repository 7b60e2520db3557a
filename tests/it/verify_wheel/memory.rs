//! Memory stays flat as wheels grow: the real `xtask verify` run on a 128 MiB wheel must peak
//! under 64 MiB of resident memory, so neither the file nor a member is ever held whole.
//! See: verify-rules.md §5.1 ("memory is O(32 KiB window + 64 KiB) per worker").

use std::process::Command;

use pyship_tests::xtask::xtask_bin;

/// Writes a wheel whose `foo/big.bin` holds `size` bytes, streamed by Python's `zipfile`, with a
/// correct RECORD. Stored, so all of it really sits in the file.
const WRITE_WHEEL: &str = r#"
import base64, hashlib, os, sys, zipfile
path, size = sys.argv[1], int(sys.argv[2])
block = hashlib.sha256(b"seed").digest() * 32768
def rec(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
meta = b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nSummary: big\nDescription-Content-Type: text/plain\n\nfoo\n"
wheel = b"Wheel-Version: 1.0\nGenerator: pyship-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
big = hashlib.sha256()
with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
    with z.open("foo/big.bin", "w") as f:
        for _ in range(size // len(block)):
            f.write(block)
            big.update(block)
    z.writestr("foo-1.0.dist-info/METADATA", meta)
    z.writestr("foo-1.0.dist-info/WHEEL", wheel)
    digest = base64.urlsafe_b64encode(big.digest()).rstrip(b"=").decode()
    z.writestr("foo-1.0.dist-info/RECORD",
        f"foo/big.bin,sha256={digest},{size}\n"
        f"foo-1.0.dist-info/METADATA,sha256={rec(meta)},{len(meta)}\n"
        f"foo-1.0.dist-info/WHEEL,sha256={rec(wheel)},{len(wheel)}\n"
        "foo-1.0.dist-info/RECORD,,\n")
"#;

/// Runs a command and prints its exit code and its peak RSS in KiB (`ru_maxrss` on Linux).
const MEASURE: &str = r"
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
";

fn python3(args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new("python3")
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn ok_large_wheel_verifies_in_flat_memory() {
    const SIZE: u64 = 128 * 1024 * 1024;
    let dir = tempfile::tempdir().expect("temp dir");
    let wheel = dir.path().join("foo-1.0-py3-none-any.whl");
    let size = SIZE.to_string();
    python3(&[
        "-c".as_ref(),
        WRITE_WHEEL.as_ref(),
        wheel.as_ref(),
        size.as_ref(),
    ]);
    let bin = xtask_bin();
    let measured = python3(&[
        "-c".as_ref(),
        MEASURE.as_ref(),
        bin.as_ref(),
        "verify".as_ref(),
        "--target".as_ref(),
        "generic".as_ref(),
        wheel.as_ref(),
    ]);
    let (code, peak_kib) = measured.trim().split_once(' ').expect("two numbers");
    assert_eq!(code, "0", "a clean 128 MiB wheel verifies clean");
    let peak_kib: u64 = peak_kib.parse().expect("a number");
    assert!(
        peak_kib < 64 * 1024,
        "peak RSS {peak_kib} KiB on a 128 MiB wheel"
    );
}
