//! WHL-11 in `dry-run`: the built wheel's library files against the package tree in git, or
//! against the configured `toplevel` list. Warnings, so `--strict` turns them into a failed
//! `verify` gate. See: verify-rules.md §2 WHL-11.

use pyship_tests::repo::TestRepo;

use super::{assert_fails_on, configure, dry_run};

#[test]
fn ok_whl11_example_wheel_equals_its_package_tree() {
    let repo = TestRepo::new();
    let run = dry_run(&repo, &["--strict"]);
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains("WHL-11"), "{}", run.stderr);
}

#[test]
fn warn_whl11_stray_file_swept_into_the_wheel() {
    let repo = TestRepo::new();
    // Not committed: the build backend ships everything in the package directory, git does not
    // know the file. (The tree is then dirty, which the clean-tree gate reports too.)
    repo.write("examples/demo/src/pyship_demo/scratch.txt", "notes\n");
    let run = dry_run(&repo, &["--strict"]);
    let evidence = assert_fails_on(&run, "verify");
    assert!(evidence.contains("error"), "{evidence}");
    assert!(
        run.stderr.contains("WHL-11")
            && run
                .stderr
                .contains("not in the package tree: `pyship_demo/scratch.txt`"),
        "{}",
        run.stderr
    );
}

#[test]
fn warn_whl11_configured_toplevel_names_missing_and_extra() {
    let repo = TestRepo::new();
    configure(&repo, "toplevel = [\"pyship_demo_renamed\"]");
    let run = dry_run(&repo, &[]);
    assert_eq!(run.code, Some(0), "warnings alone pass:\n{}", run.stderr);
    assert!(
        run.stderr
            .contains("lacks the configured top-level name(s) `pyship_demo_renamed`")
            && run
                .stderr
                .contains("top-level name(s) `pyship_demo` that the configuration does not list"),
        "{}",
        run.stderr
    );
    let strict = dry_run(&repo, &["--strict"]);
    assert_fails_on(&strict, "verify");
}
