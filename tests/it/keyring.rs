//! `cargo xtask token` end to end. Against a real Secret Service: GNOME Keyring on a private
//! session bus (`dbus-run-session`), with a throwaway home, so the user's keyring is never
//! touched; a token stored by Python's `keyring` command (what twine users have) is read
//! unchanged, and one stored by pyship is read back by Python. Canary runs of the error paths
//! check that the token appears in no stdout, stderr or written file.
//!
//! See: issue 3 "Credentials, in this order" and "Tests" (keyring, canary).

use std::path::Path;
use std::process::{Command, Stdio};

use pyship_publish::Secret;
use pyship_publish::token::mint_token;
use pyship_tests::python::test_python;
use pyship_tests::repo::workspace_root;
use pyship_tests::xtask::{Run, xtask_bin, xtask_command};

const KEY: &[u8] = b"keyring end-to-end test key";
/// The project `examples/demo` releases, which the token must be scoped to.
const PROJECT: &str = "pyship-demo";

fn token(caveats: &[&str]) -> Secret {
    mint_token(KEY, "pypi.org", "canary-identifier", caveats)
}

/// The token, and a 16-character piece of it, appear nowhere in `text`.
fn assert_hidden(token: &Secret, text: &str, what: &str) {
    let value = token.expose();
    assert!(!text.contains(value), "token leaked into {what}:\n{text}");
    assert!(
        !text.contains(&value[value.len() - 16..]),
        "a piece of the token leaked into {what}:\n{text}"
    );
}

/// No file under `dir` contains the token (the keyring's own files are encrypted).
fn assert_no_file_holds(token: &Secret, dir: &Path) {
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert_hidden(token, &text, &entry.display().to_string());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.is_file() {
            files.push(path);
        }
    }
    files
}

/// The caller's cargo and rustup homes, kept while `HOME` points at a throwaway directory.
fn tool_homes() -> Vec<(&'static str, std::path::PathBuf)> {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let pick = |name: &str, default: &str| {
        std::env::var_os(name).map_or_else(|| home.join(default), std::path::PathBuf::from)
    };
    vec![
        ("CARGO_HOME", pick("CARGO_HOME", ".cargo")),
        ("RUSTUP_HOME", pick("RUSTUP_HOME", ".rustup")),
    ]
}

/// Runs `token ARGS` on pyship's own config with `stdin` piped in and `env` added, on no
/// session bus at all, so only the environment or the gate can answer.
fn token_cmd(args: &[&str], stdin: &str, env: &[(&str, &str)], home: &Path) -> Run {
    let manifest = workspace_root().join("Cargo.toml");
    let mut full = vec!["--manifest-path", manifest.to_str().unwrap(), "token"];
    full.extend_from_slice(args);
    let mut command = xtask_command(&full);
    command
        .env_remove("PYPI_API_TOKEN")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home)
        // The trace-level log is part of what the canary checks read.
        .env("PYSHIP_LOG", "trace")
        .envs(tool_homes())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("failed to run xtask");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Each way `token set` and `token check` refuse a token: exit 1, a reason, and the token in
/// no output and no file.
#[test]
fn canary_token_commands_refuse_without_showing_the_token() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bad format",
            Secret::new("CANARYcanaryCANARYcanary0123456789abc"),
        ),
        ("account-wide", token(&[r#"[3,"user-uuid"]"#])),
        ("wrong project", token(&[r#"[1,["other-project"]]"#])),
        ("expired", token(&[r#"[1,["pyship-demo"]]"#, "[0,1000,0]"])),
    ];
    for (case, canary) in &cases {
        let set = token_cmd(
            &["set", "--index", "pypi"],
            canary.expose(),
            &[],
            home.path(),
        );
        assert_eq!(set.code, Some(1), "{case}: {set:?}");
        assert!(set.stdout.contains("FAIL token"), "{case}: {set:?}");
        assert_hidden(canary, &format!("{}{}", set.stdout, set.stderr), case);

        let env = [("PYPI_API_TOKEN", canary.expose())];
        let check = token_cmd(&["check", "--index", "pypi"], "", &env, home.path());
        assert_eq!(check.code, Some(1), "{case}: {check:?}");
        assert!(check.stdout.starts_with("FAIL token"), "{case}: {check:?}");
        assert_hidden(canary, &format!("{}{}", check.stdout, check.stderr), case);
    }
    for (_, canary) in &cases {
        assert_no_file_holds(canary, home.path());
    }
}

/// A password in `--index` would become the keyring service and be printed: every subcommand
/// refuses the URL with exit 2 and never shows the password (field-failures C17).
#[test]
fn canary_password_in_index_url_is_refused_and_never_shown() {
    let home = tempfile::tempdir().unwrap();
    let canary = Secret::new("CANARYurlPASSWORDcanary0123456789");
    let url = format!("https://me:{}@upload.example.org/legacy/", canary.expose());
    let scoped = token(&[r#"[1,["pyship-demo"]]"#]);
    for action in ["set", "check", "delete"] {
        let run = token_cmd(
            &[action, "--index", &url],
            scoped.expose(),
            &[],
            home.path(),
        );
        assert_eq!(run.code, Some(2), "{action}: {run:?}");
        assert!(
            run.stderr.contains("carries a password"),
            "{action}: {run:?}"
        );
        let output = format!("{}{}", run.stdout, run.stderr);
        assert_hidden(&canary, &output, action);
        assert_hidden(&scoped, &output, action);
    }
    assert_no_file_holds(&canary, home.path());
}

/// A token pasted on the command line is not taken (the token comes from stdin), and the
/// parser's error, which quotes the argument it refused, does not show it.
#[test]
fn canary_token_in_argv_is_refused_and_never_shown() {
    let home = tempfile::tempdir().unwrap();
    let canary = token(&[r#"[1,["pyship-demo"]]"#]);
    for args in [
        vec!["set", canary.expose()],
        vec!["set", "--index", "pypi", canary.expose()],
        vec!["check", canary.expose()],
    ] {
        let run = token_cmd(&args, "", &[], home.path());
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(
            run.stderr
                .contains("unexpected argument to `token` (not shown: it may be a secret)"),
            "{run:?}"
        );
        assert_hidden(&canary, &format!("{}{}", run.stdout, run.stderr), "argv");
    }
    // A secret with no token's shape is not shown either.
    let plain = "plainSecretArgQQ7";
    let run = token_cmd(&["set", plain], "", &[], home.path());
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(!run.stderr.contains(plain), "{run:?}");
}

#[test]
fn fail_token_set_refuses_empty_stdin() {
    let home = tempfile::tempdir().unwrap();
    let run = token_cmd(&["set", "--index", "pypi"], " \n", &[], home.path());
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("stdin held no token"), "{run:?}");
}

#[test]
fn ok_token_check_reads_env_token_and_passes_scoped_token() {
    let home = tempfile::tempdir().unwrap();
    let good = token(&[&format!(r#"[1,["{PROJECT}"]]"#)]);
    let env = [("PYPI_API_TOKEN", good.expose())];
    let run = token_cmd(&["check", "--index", "pypi"], "", &env, home.path());
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.starts_with("PASS token"), "{run:?}");
    assert!(run.stdout.contains("`PYPI_API_TOKEN`"), "{run:?}");
    assert_hidden(
        &good,
        &format!("{}{}", run.stdout, run.stderr),
        "check output",
    );
}

/// The shell script run on a private session bus with GNOME Keyring unlocked. Tokens reach it
/// through the environment and stdin, never argv.
const SECRET_SERVICE_SCRIPT: &str = r#"
set -u
printf 'pyship-test-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# 1. What a twine user did: Python's keyring command stores the token (prompt reads stdin).
printf '%s' "$TWINE_TOKEN" | "$PY_KEYRING" set https://upload.pypi.org/legacy/ __token__
echo "python-set=$?"
# 2. pyship reads it unchanged.
"$XTASK" --manifest-path "$MANIFEST" token check --index pypi >"$OUT/check1.out" 2>"$OUT/check1.err"
echo "check1=$?"
# 3. pyship stores a new token; Python's keyring reads it back.
printf '%s' "$PYSHIP_TOKEN" | "$XTASK" --manifest-path "$MANIFEST" token set --index pypi >"$OUT/set.out" 2>"$OUT/set.err"
echo "set=$?"
"$PY_KEYRING" get https://upload.pypi.org/legacy/ __token__ >"$OUT/python-get.out"
echo "python-get=$?"
"$XTASK" --manifest-path "$MANIFEST" token check --index pypi >"$OUT/check2.out" 2>"$OUT/check2.err"
echo "check2=$?"
# 4. pyship deletes it; Python's keyring finds nothing.
"$XTASK" --manifest-path "$MANIFEST" token delete --index pypi >"$OUT/delete.out" 2>"$OUT/delete.err"
echo "delete=$?"
"$PY_KEYRING" get https://upload.pypi.org/legacy/ __token__ >/dev/null 2>&1
echo "python-get-after-delete=$?"
"#;

/// A token stored by Python's `keyring` under twine's convention is read unchanged from a real
/// Secret Service, and one pyship stores is what Python's `keyring` reads.
#[test]
fn ok_secret_service_shares_tokens_with_python_keyring() {
    for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|output| output.status.success());
        assert!(
            found,
            "`{tool}` is missing: install the Debian packages `dbus` and `gnome-keyring` (`.ci/run` does)"
        );
    }
    let py_keyring = test_python().with_file_name("keyring");
    assert!(
        py_keyring.is_file(),
        "`{}` is missing: the test venv installs twine, which brings Python's keyring",
        py_keyring.display()
    );
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let runtime = home.path().join("run");
    std::fs::create_dir(&runtime).unwrap();
    let twine_token = token(&[&format!(r#"[1,["{PROJECT}"]]"#)]);
    let pyship_token = token(&[&format!(r#"[1,["{PROJECT}"]]"#), r#"[2,["0d1e-uuid"]]"#]);
    let output = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", SECRET_SERVICE_SCRIPT])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("PYPI_API_TOKEN")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .envs(tool_homes())
        .env(
            "PYTHON_KEYRING_BACKEND",
            "keyring.backends.SecretService.Keyring",
        )
        .env("PYSHIP_NO_PROGRESS", "1")
        // pyship's steps run with the trace-level log (zbus' D-Bus traffic included), which the
        // checks below read for the tokens.
        .env("PYSHIP_LOG", "trace")
        .env("TWINE_TOKEN", twine_token.expose())
        .env("PYSHIP_TOKEN", pyship_token.expose())
        .env("PY_KEYRING", &py_keyring)
        .env("XTASK", xtask_bin())
        .env("MANIFEST", workspace_root().join("Cargo.toml"))
        .env("OUT", out.path())
        .stdin(Stdio::null())
        .output()
        .expect("failed to run dbus-run-session");
    let log = String::from_utf8_lossy(&output.stdout).into_owned();
    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_default();
    let context = format!(
        "script: {log}\nstderr: {}\ncheck1: {}{}\nset: {}{}\ncheck2: {}{}",
        String::from_utf8_lossy(&output.stderr),
        read("check1.out"),
        read("check1.err"),
        read("set.out"),
        read("set.err"),
        read("check2.out"),
        read("check2.err"),
    );
    for step in [
        "python-set=0",
        "check1=0",
        "set=0",
        "python-get=0",
        "check2=0",
        "delete=0",
        "python-get-after-delete=1",
    ] {
        assert!(log.contains(step), "expected `{step}`:\n{context}");
    }
    let check1 = read("check1.out");
    assert!(check1.starts_with("PASS token"), "{context}");
    assert!(
        check1.contains(
            "OS keyring (service `https://upload.pypi.org/legacy/`, stored date unknown)"
        ),
        "{context}"
    );
    assert_eq!(
        read("python-get.out").trim_end(),
        pyship_token.expose(),
        "{context}"
    );
    let check2 = read("check2.out");
    assert!(check2.contains("0 day(s) old"), "{context}");
    assert!(check2.contains("1 project id(s)"), "{context}");
    for token in [&twine_token, &pyship_token] {
        for name in [
            "check1.out",
            "check1.err",
            "set.out",
            "set.err",
            "check2.out",
            "check2.err",
        ] {
            assert_hidden(token, &read(name), name);
        }
        assert_hidden(token, &log, "the script's output");
        assert_no_file_holds(token, home.path());
    }
}
