//! Fuzz target: any bytes, judged as an sdist. Exercises the gzip stream, the strict tar reader
//! and the PKG-INFO checks through the public entry point. No input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyship_verify::{Target, VerifyOptions, verify_bytes};

fuzz_target!(|data: &[u8]| {
    let options = VerifyOptions {
        target: Target::Pypi,
        md5: false,
        renderer: None,
        reporter: None,
        source_date_epoch: None,
    };
    let _ = verify_bytes("foo-1.0.tar.gz", data, &options);
});
