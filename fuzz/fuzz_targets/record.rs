//! Fuzz target: any bytes, parsed as a wheel's RECORD (CSV rows, hashes, sizes). No input may
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyship_verify::Findings;
use pyship_verify::record::parse;

fuzz_target!(|data: &[u8]| {
    let mut findings = Findings::new(Some("foo-1.0-py3-none-any.whl"));
    let _ = parse(data, "foo-1.0.dist-info/RECORD", &mut findings);
});
