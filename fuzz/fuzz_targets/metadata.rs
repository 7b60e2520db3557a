//! Fuzz target: any bytes, parsed as core metadata and checked against the META rules, once as a
//! wheel's METADATA and once as an sdist's PKG-INFO. No input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyship_verify::metadata::{MetadataContext, check, parse};
use pyship_verify::{ArtifactKind, Findings, Target};

fuzz_target!(|data: &[u8]| {
    let python_tags = ["py3".to_owned()];
    let has_license_file = |path: &str| path.starts_with('L');
    for (kind, member) in [
        (ArtifactKind::Wheel, "foo-1.0.dist-info/METADATA"),
        (ArtifactKind::Sdist, "foo-1.0/PKG-INFO"),
    ] {
        let mut findings = Findings::new(Some("foo"));
        let Some(metadata) = parse(data, member, &mut findings) else {
            continue;
        };
        let context = MetadataContext {
            kind,
            member,
            target: Target::Pypi,
            filename_name: Some("foo"),
            filename_version: Some("1.0"),
            python_tags: &python_tags,
            has_license_file: &has_license_file,
            renderer: None,
        };
        check(&metadata, &context, &mut findings);
    }
});
