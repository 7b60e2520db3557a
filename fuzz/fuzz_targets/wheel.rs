//! Fuzz target: any bytes, judged as a wheel. Exercises the strict zip reader, RECORD, WHEEL and
//! METADATA checks through the public entry point. No input may panic.
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
    let _ = verify_bytes("foo-1.0-py3-none-any.whl", data, &options);
});
