//! Fuzz target: any text, parsed as a wheel and as an sdist file name under PyPI's rules. No
//! input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyship_verify::filename::{check_sdist_filename, check_wheel_filename};
use pyship_verify::{Findings, Target};

fuzz_target!(|name: &str| {
    let mut findings = Findings::new(Some(name));
    let _ = check_wheel_filename(name, Target::Pypi, &mut findings);
    let _ = check_sdist_filename(name, &mut findings);
    let _ = check_wheel_filename(name, Target::Generic, &mut findings);
});
