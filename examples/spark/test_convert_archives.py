"""The Spark job in local mode against `septet convert --downgrade`.

Needs pyspark and Java, and the release binaries `septet` and the
`gen_mbox` example (paths in SEPTET_BIN and SEPTET_GEN_MBOX, else
target/release/ under CARGO_TARGET_DIR or the repository): skipped when
any is missing, unless SEPTET_REQUIRE_SPARK=1 (CI) makes that a failure.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import septet

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))


def binary(env, *rel):
    if os.environ.get(env):
        return pathlib.Path(os.environ[env])
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target.joinpath("release", *rel)


SEPTET = binary("SEPTET_BIN", "septet")
GEN = binary("SEPTET_GEN_MBOX", "examples", "gen_mbox")


def missing():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed"
    if shutil.which("java") is None:
        return "java is not installed"
    for path in (SEPTET, GEN):
        if not path.is_file():
            return f"{path} is not built"
    return None


def require():
    why = missing()
    if why:
        if os.environ.get("SEPTET_REQUIRE_SPARK") == "1":
            pytest.fail(why)
        pytest.skip(why)


def make_inputs(root):
    """Two mbox shards (LF, CRLF) and a Maildir shard, from gen_mbox, and an .eml."""
    inputs = root / "in"
    inputs.mkdir()
    subprocess.run([GEN, inputs / "a.mbox", "--messages", "400", "--size", "4M", "--seed", "1"],
                   check=True, capture_output=True)
    subprocess.run([GEN, inputs / "b.mbox", "--messages", "100", "--size", "1M", "--seed", "2",
                    "--crlf"], check=True, capture_output=True)
    source = root / "c.mbox"
    subprocess.run([GEN, source, "--messages", "60", "--size", "600K", "--seed", "3"],
                   check=True, capture_output=True)
    maildir = inputs / "maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for i, (_, message, _) in enumerate(septet.split_mbox(source.read_bytes())):
        sub, info = ("new", "") if i % 3 == 0 else ("cur", ":2,S")
        (maildir / sub / f"{1_700_000_000 + i}.M{i}P1.host{info}").write_bytes(message)
    # A single-message file, after the mbox files in path order.
    (inputs / "d.eml").write_bytes("Subject: Grüße\n\nGrüße aus Köln\n".encode())
    return inputs, [inputs / "a.mbox", inputs / "b.mbox", inputs / "d.eml", maildir]


def records(data):
    return [(f, m) for f, m, _ in septet.split_mbox(data)]


def test_spark_job_matches_septet_convert(tmp_path, monkeypatch):
    require()
    # Workers run this interpreter, which has septet installed.
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    import convert_archives

    inputs, ordered = make_inputs(tmp_path)
    reference = tmp_path / "reference.mbox"
    done = subprocess.run([SEPTET, "convert", "--downgrade", "--jobs", "2", "-o", reference,
                           *ordered], capture_output=True)
    assert done.returncode in (0, 3), done.stderr
    out = tmp_path / "out"
    # 512 KiB per task: a.mbox (4 MiB) is split at From_ lines into 8 ranges.
    assert convert_archives.main([str(inputs), str(out), "--split-size", "512K",
                                  "--master", "local[2]"]) == 0
    report = json.loads((out / "report.json").read_text())
    shards = [out / name for name in report["shards"]]
    assert len(shards) > 4
    combined = b"".join(p.read_bytes() for p in shards)
    expected = reference.read_bytes()
    assert records(combined) == records(expected)
    assert combined == expected
    assert report["messages"] == 561
    assert report["changed"] > 0
    for shard in shards:
        per = json.loads(shard.with_suffix(".json").read_text())
        assert per["output_bytes"] == shard.stat().st_size
        assert all(r.isascii() for _, r in records(shard.read_bytes())
                   if not per["failed"])
