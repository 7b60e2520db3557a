"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Seeds come from two places: the real PyPI corpus (shared/corpus/real beside the workspace, or the
download cache the tests fill under the target folder), and small valid artifacts built here with
Python's own zipfile and tarfile, so every target starts from inputs that reach deep checks.
"""

import base64
import hashlib
import io
import os
import sys
import tarfile
import zipfile
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
# Inputs above this size slow every execution down; the small real artifacts are enough.
MAX_SEED = 128 * 1024


def corpus_dir():
    for parent in ROOT.parents:
        candidate = parent / "shared" / "corpus" / "real"
        if candidate.is_dir():
            return candidate
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    cache = (ROOT / target) / "pyship-corpus"
    return cache if cache.is_dir() else None


def write(target, name, data):
    out = FUZZ / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"


def tiny_wheel(compression):
    files = {
        "foo/__init__.py": b'"""Foo."""\n__version__ = "1.0"\n',
        "foo-1.0.dist-info/METADATA": (
            b"Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nSummary: A foo\n"
            b"License-Expression: MIT\nLicense-File: LICENSE\nRequires-Dist: bar>=1; python_version<'3.12'\n"
            b"Description-Content-Type: text/markdown\n\n# Foo\n"
        ),
        "foo-1.0.dist-info/licenses/LICENSE": b"MIT License\n",
        "foo-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: seeds\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        "foo-1.0.dist-info/entry_points.txt": b"[console_scripts]\nfoo = foo:main\n",
    }
    record = "".join(record_line(p, d) for p, d in files.items())
    record += "foo-1.0.dist-info/RECORD,,\n"
    files["foo-1.0.dist-info/RECORD"] = record.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def tiny_sdist():
    root = "foo-1.0"
    files = {
        f"{root}/PKG-INFO": (
            b"Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nLicense-Expression: MIT\n"
            b"License-File: LICENSE\n"
        ),
        f"{root}/pyproject.toml": (
            b'[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "flit_core.buildapi"\n'
            b'[project]\nname = "foo"\nversion = "1.0"\n'
        ),
        f"{root}/LICENSE": b"MIT License\n",
        f"{root}/foo/__init__.py": b'"""Foo."""\n',
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tf:
        for directory in (root, f"{root}/foo"):
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tf.addfile(info)
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def built_seeds():
    write("wheel", "tiny-stored.whl", tiny_wheel(zipfile.ZIP_STORED))
    write("wheel", "tiny-deflated.whl", tiny_wheel(zipfile.ZIP_DEFLATED))
    write("sdist", "tiny.tar.gz", tiny_sdist())
    write(
        "provenance",
        "tiny-texts",
        b"Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nRequires-Dist: bar; extra == 'x'\n"
        b"Provides-Extra: x\n\n# foo\n\0"
        b'[project]\nname = "foo"\nversion = "1.0"\nreadme = "README.md"\n'
        b'[project.optional-dependencies]\nx = ["bar"]\n\0'
        b"[metadata]\nname = foo\nkeywords =\n    a\n\n    b\n[egg_info]\ntag_build = \n",
    )
    with zipfile.ZipFile(io.BytesIO(tiny_wheel(zipfile.ZIP_STORED))) as zf:
        write("metadata", "tiny-METADATA", zf.read("foo-1.0.dist-info/METADATA"))
        write("record", "tiny-RECORD", zf.read("foo-1.0.dist-info/RECORD"))
    for name in (
        "foo-1.0-py3-none-any.whl",
        "foo_bar-1.0.post1-1build-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "foo-1.0.tar.gz",
        "Foo.Bar-1.0rc1.tar.gz",
        "foo-1.0+local-py2.py3-none-macosx_11_0_arm64.whl",
    ):
        write("filename", name, name.encode())


def real_seeds(corpus):
    for path in sorted((corpus / "wheels").glob("*.whl")):
        write("filename", path.name, path.name.encode())
        if path.stat().st_size <= MAX_SEED:
            write("wheel", path.name, path.read_bytes())
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.count("/") == 1 and member.split("/")[0].endswith(".dist-info"):
                    leaf = member.split("/")[1]
                    if leaf in ("METADATA", "RECORD"):
                        write(leaf.lower(), f"{path.name}-{leaf}", zf.read(member)[:MAX_SEED])
    for path in sorted((corpus / "sdists").glob("*.tar.gz")):
        write("filename", path.name, path.name.encode())
        if path.stat().st_size <= MAX_SEED:
            write("sdist", path.name, path.read_bytes())
        with tarfile.open(path) as tf:
            member = path.name[: -len(".tar.gz")] + "/PKG-INFO"
            try:
                data = tf.extractfile(member).read()
            except (KeyError, AttributeError):
                continue
            write("metadata", f"{path.name}-PKG-INFO", data[:MAX_SEED])
            # PROV-02's judges: PKG-INFO, pyproject.toml and setup.cfg, joined with NUL bytes.
            texts = [data]
            for leaf in ("pyproject.toml", "setup.cfg"):
                try:
                    texts.append(tf.extractfile(path.name[: -len(".tar.gz")] + "/" + leaf).read())
                except (KeyError, AttributeError):
                    texts.append(b"")
            write("provenance", f"{path.name}-texts", b"\0".join(texts)[:MAX_SEED])


def main():
    built_seeds()
    corpus = corpus_dir()
    if corpus is None:
        print("make_seeds: no real corpus found; using built seeds only", file=sys.stderr)
    else:
        real_seeds(corpus)
    for target in sorted((FUZZ / "corpus").iterdir()):
        print(f"make_seeds: {target.name}: {len(list(target.iterdir()))} inputs", file=sys.stderr)


main()
