//! The corpus of real PyPI artifacts that must all verify clean, pinned by file name and sha256.
//!
//! On the project's machines the files sit in `shared/corpus/real/{wheels,sdists}` beside the
//! clone (`../shared` from the workspace root, or beside any ancestor, which covers git
//! worktrees nested one level deeper). A fresh clone elsewhere has no `shared/`: then the files
//! are downloaded once from PyPI into `<target>/pyship-corpus/` and checked against the pinned
//! sha256 before use. Either way every file is checked against [`PINNED`], and a corpus folder
//! holding a file the list does not name is an error, so the list cannot silently drift.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pyship_verify::ArtifactKind;
use pyship_verify::digest::digest_reader;

/// One corpus file as published on PyPI.
#[derive(Debug, Clone, Copy)]
pub struct Pinned {
    /// The file name, exactly as on PyPI.
    pub filename: &'static str,
    /// Lowercase hex sha256 of the file.
    pub sha256: &'static str,
    /// The path under `https://files.pythonhosted.org/packages/` (PyPI's JSON API `url`).
    pub pypi_path: &'static str,
}

impl Pinned {
    /// Wheel or sdist, from the file name.
    #[must_use]
    pub fn kind(&self) -> ArtifactKind {
        ArtifactKind::from_filename(self.filename)
    }

    /// The folder this file lives in: `wheels` or `sdists`.
    #[must_use]
    pub fn folder(&self) -> &'static str {
        match self.kind() {
            ArtifactKind::Wheel => "wheels",
            _ => "sdists",
        }
    }

    /// Where PyPI serves the file.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://files.pythonhosted.org/packages/{}", self.pypi_path)
    }
}

const fn pin(filename: &'static str, sha256: &'static str, pypi_path: &'static str) -> Pinned {
    Pinned {
        filename,
        sha256,
        pypi_path,
    }
}

/// Every file of `shared/corpus/real`, looked up on PyPI's JSON API (2026-12-03).
pub const PINNED: &[Pinned] = &[
    pin(
        "attrs-26.1.0-py3-none-any.whl",
        "c647aa4a12dfbad9333ca4e71fe62ddc36f4e63b2d260a37a8b83d2f043ac309",
        "64/b4/17d4b0b2a2dc85a6df63d1157e028ed19f90d4cd97c36717afef2bc2f395/attrs-26.1.0-py3-none-any.whl",
    ),
    pin(
        "certifi-2026.10.19.post1-py3-none-any.whl",
        "1324c476b4811eff41a8bc2122cd0bbd4d9c7234c725446d99ab1612b3a7fdd2",
        "7a/3e/9ddb6d78c2ffd17604c05745f553614bfbecd2cc6741bbaa5181bc8b2496/certifi-2026.10.19.post1-py3-none-any.whl",
    ),
    pin(
        "click-8.5.1-py3-none-any.whl",
        "8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37",
        "31/7d/164b7ffc8624fe9efb4221bf9af485d5c1e41b9ae118045d2b6dc5457d8b/click-8.5.1-py3-none-any.whl",
    ),
    pin(
        "idna-3.20-py3-none-any.whl",
        "ab7ae7122974553370f0bdb919e1a960b2cd1bc1ef0276416d896db81c14582c",
        "58/a2/bb081bab032533a855d44de1d56f8e8426114ff1ba5d1f07a438a0a654f8/idna-3.20-py3-none-any.whl",
    ),
    pin(
        "markupsafe-3.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        "6da83a088f8ef93b2d483a8232a4dbf4d69d3d8496b568a03c56becac43e1808",
        "81/a5/a513b76c139a3915b43404324e55c0b7979ae4f0d39eb6f075b0282e90a8/markupsafe-3.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
    ),
    pin(
        "orjson-3.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "89bcf2d4bc6c9a7e1763c8cf534f38712e66b76a0fefda7fb7785462f0d635e4",
        "cd/cc/c0874f13819ae346d69ca00d074d464710b494abd4442bdebf75ac404a98/orjson-3.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ),
    pin(
        "packaging-26.4-py3-none-any.whl",
        "81383611a09c1bc0b08b76e0fd5829d7c6824c65b27a6aee339da133f4233ea2",
        "ba/7b/5504f91c9c2733f693d7759e50ede5d27119d4da7e5836c46d3b5ff81d56/packaging-26.4-py3-none-any.whl",
    ),
    pin(
        "pluggy-1.7.0-py3-none-any.whl",
        "7dd7b0d8832ba3cb632c306926ded123429211b83641b35dc5c41ad2d34f9bec",
        "40/9e/2b38731e0fc536806f16490e1a12d7f0dc2a1235aa8cc07bcc75416a7daa/pluggy-1.7.0-py3-none-any.whl",
    ),
    pin(
        "pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        "622aa875fa6533f25fedcffe23079357d65a690d462200afed5d8e9d0e01ebee",
        "9d/3e/c1c307b6c03e4ea7d86f166f14920ead07aecc35e88d873814d12aa2da66/pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
    ),
    pin(
        "requests-2.32.3-py3-none-any.whl",
        "70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6",
        "f9/9b/335f9764261e915ed497fcdeb11df5dfd6f7bf257d4a6a2a686d80da4d54/requests-2.32.3-py3-none-any.whl",
    ),
    pin(
        "rich-15.0.0-py3-none-any.whl",
        "33bd4ef74232fb73fe9279a257718407f169c09b78a87ad3d296f548e27de0bb",
        "82/3b/64d4899d73f91ba49a8c18a8ff3f0ea8f1c1d75481760df8c68ef5235bf5/rich-15.0.0-py3-none-any.whl",
    ),
    pin(
        "six-1.16.0-py2.py3-none-any.whl",
        "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254",
        "d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl",
    ),
    pin(
        "urllib3-2.8.0-py3-none-any.whl",
        "0cf3cae568d36aa9576b28dfb35f11328f1cb974ca7647d9475ebb86c75ac6e3",
        "92/9d/c4e665119135114480843e7ab388fa94d8480650450e6f8e26b70d323a4c/urllib3-2.8.0-py3-none-any.whl",
    ),
    pin(
        "attrs-26.1.0.tar.gz",
        "d03ceb89cb322a8fd706d4fb91940737b6642aa36998fe130a9bc96c985eff32",
        "9a/8e/82a0fe20a541c03148528be8cac2408564a6c9a0cc7e9171802bc1d26985/attrs-26.1.0.tar.gz",
    ),
    pin(
        "click-8.5.1.tar.gz",
        "9bbfada76703fd1d784b83eea012e3e8c6a001a876543ef104fa56aaaeb072b4",
        "45/37/edbf1b0707709013c0cf2e8317e03d97ed29bf4cac709fe328904ae92a38/click-8.5.1.tar.gz",
    ),
    pin(
        "idna-3.20.tar.gz",
        "a7db850025b95ded1eae8a46181a1a6c56c92c96f0e2b005d9ff8dc0210cab44",
        "f5/08/8eea9d4b8302028f3abb2c0813953f7aec26d33b7a8960ed760e65ff29fa/idna-3.20.tar.gz",
    ),
    pin(
        "markupsafe-3.0.4.tar.gz",
        "2e9ad7dd851bf45fab9f75cbff4cb493fee9979e8d8c7c9c3ee119022518edd6",
        "38/9b/e422a865e1d5d57d0e509b4e0bf1c1a70a7f6382c29a5aa428df994c8bc8/markupsafe-3.0.4.tar.gz",
    ),
    pin(
        "packaging-26.4.tar.gz",
        "c4b671c41ddb9bf26e543c37723610d28fb6bf7affc4da17cf048d419d2c062a",
        "c3/75/ffb1dc0ed12352139fb4ca0e3fde4325a23e3d0f3f40efe89717bc4f557b/packaging-26.4.tar.gz",
    ),
    pin(
        "pluggy-1.7.0.tar.gz",
        "d1eaa46ebb595891b860ab086b4d09c8588af65ebd4361b8e8f4bb8920b90ba8",
        "bf/db/7fc19e6f2dc92a966727031389fc2e08b558f0f25eb7403c1119ad4713cd/pluggy-1.7.0.tar.gz",
    ),
    pin(
        "pyyaml-6.0.4.tar.gz",
        "e24bf71af8a432d7808fabff134d38dfe16d3cbb41f2873bb4b1e42422de0a1a",
        "76/b8/c0b780928e2fb1c87e9e375818c6f121da2398b071012d1747be300b83f4/pyyaml-6.0.4.tar.gz",
    ),
    pin(
        "requests-2.32.3.tar.gz",
        "55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760",
        "63/70/2bf7780ad2d390a8d301ad0b550f1581eadbd9a20f896afe06353c2a2913/requests-2.32.3.tar.gz",
    ),
    pin(
        "six-1.16.0.tar.gz",
        "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926",
        "71/39/171f1c67cd00715f190ba0b100d606d440a28c93c7714febeca8b79af85e/six-1.16.0.tar.gz",
    ),
];

/// A corpus file on disk, already checked against its pin.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    /// Its pin.
    pub pinned: Pinned,
    /// Where it is.
    pub path: PathBuf,
}

/// Where the corpus was found and what it holds.
#[derive(Debug)]
pub struct Corpus {
    /// The folder holding `wheels/` and `sdists/`.
    pub root: PathBuf,
    /// Whether the files were downloaded (no `shared/` folder was found).
    pub downloaded: bool,
    /// Every pinned file, in [`PINNED`] order.
    pub files: Vec<CorpusFile>,
}

impl Corpus {
    /// Every file's path, wheels and sdists together.
    #[must_use]
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }

    /// The paths of the files of one kind.
    #[must_use]
    pub fn paths_of(&self, kind: ArtifactKind) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|f| f.pinned.kind() == kind)
            .map(|f| f.path.clone())
            .collect()
    }
}

/// The workspace root (the folder of the root `Cargo.toml`).
#[must_use]
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits one level below the workspace root")
}

/// The cargo target folder: `CARGO_TARGET_DIR` when set, else `<root>/target`.
#[must_use]
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || workspace_root().join("target"),
        |dir| workspace_root().join(dir),
    )
}

/// The corpus, located (or downloaded) and checked once per process.
///
/// Panics with a message naming the file when a pinned file is missing, differs from its pin,
/// or cannot be downloaded, or when the shared folder holds a file the list does not name.
pub fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| load().unwrap_or_else(|err| panic!("corpus: {err}")))
}

/// The `shared/corpus/real` folder beside the workspace root or beside one of its ancestors.
#[must_use]
pub fn shared_dir() -> Option<PathBuf> {
    workspace_root()
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/corpus/real"))
        .find(|dir| dir.is_dir())
}

fn load() -> Result<Corpus, String> {
    if let Some(root) = shared_dir() {
        check_no_strays(&root)?;
        let files = PINNED
            .iter()
            .map(|pinned| checked(&root, *pinned))
            .collect::<Result<_, _>>()?;
        return Ok(Corpus {
            root,
            downloaded: false,
            files,
        });
    }
    let root = target_dir().join("pyship-corpus");
    let files = PINNED
        .iter()
        .map(|pinned| fetched(&root, *pinned))
        .collect::<Result<_, _>>()?;
    Ok(Corpus {
        root,
        downloaded: true,
        files,
    })
}

/// A pinned file that must already be present and match.
fn checked(root: &Path, pinned: Pinned) -> Result<CorpusFile, String> {
    let path = root.join(pinned.folder()).join(pinned.filename);
    let actual = sha256_of(&path)?;
    if actual != pinned.sha256 {
        return Err(format!(
            "`{}` has sha256 {actual}, the pinned list says {}",
            path.display(),
            pinned.sha256
        ));
    }
    Ok(CorpusFile { pinned, path })
}

/// A pinned file from the download cache, downloading it first when absent or wrong.
fn fetched(root: &Path, pinned: Pinned) -> Result<CorpusFile, String> {
    let path = root.join(pinned.folder()).join(pinned.filename);
    if sha256_of(&path).is_ok_and(|sha| sha == pinned.sha256) {
        return Ok(CorpusFile { pinned, path });
    }
    let dir = path.parent().expect("a corpus file has a folder");
    fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let partial = dir.join(format!("{}.part", pinned.filename));
    download(&pinned.url(), &partial)?;
    let actual = sha256_of(&partial)?;
    if actual != pinned.sha256 {
        let _ = fs::remove_file(&partial);
        return Err(format!(
            "downloaded `{}` has sha256 {actual}, the pinned list says {}",
            pinned.url(),
            pinned.sha256
        ));
    }
    fs::rename(&partial, &path)
        .map_err(|e| format!("cannot move `{}` into place: {e}", partial.display()))?;
    Ok(CorpusFile { pinned, path })
}

/// Downloads `url` to `dest` with the `python3` the project needs anyway (no HTTP client here).
fn download(url: &str, dest: &Path) -> Result<(), String> {
    let status = Command::new("python3")
        .args([
            "-c",
            "import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])",
            url,
        ])
        .arg(dest)
        .status()
        .map_err(|e| format!("cannot run `python3` to download `{url}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("downloading `{url}` failed ({status})"))
    }
}

/// Every file in the shared folder must be pinned, or the corpus test would skip it.
fn check_no_strays(root: &Path) -> Result<(), String> {
    let pinned: BTreeSet<(&str, &str)> = PINNED.iter().map(|p| (p.folder(), p.filename)).collect();
    for folder in ["wheels", "sdists"] {
        let dir = root.join(folder);
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !pinned.contains(&(folder, name.as_str())) {
                return Err(format!(
                    "`{}` is not in the pinned list of tests/src/corpus.rs: add it with its sha256 \
                     and PyPI path",
                    dir.join(&name).display()
                ));
            }
        }
    }
    Ok(())
}

fn sha256_of(path: &Path) -> Result<String, String> {
    let mut file =
        fs::File::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    digest_reader(&mut file, false)
        .map(|d| d.sha256)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}
