#!/usr/bin/env bash
# The Python package and the Spark job: a venv under the target directory,
# `pip install ./crates/septet-python` (maturin as the PEP 517 backend), then
# pytest on crates/septet-python/tests and examples/spark (Spark in local mode,
# compared with `septet convert --downgrade`).
#
#   scripts/ci_python.sh            everything (installs Java if missing)
#   SEPTET_SPARK=0 scripts/ci_python.sh   the package tests only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
venv=$target/python-venv
spark=${SEPTET_SPARK:-1}

python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q maturin pytest
# The module itself, as a user installs it (an abi3 wheel built by maturin).
"$venv/bin/pip" install -q --force-reinstall --no-deps ./crates/septet-python

tests=(crates/septet-python/tests)
if [[ $spark == 1 ]]; then
    if ! command -v java >/dev/null; then
        apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless
    fi
    "$venv/bin/python" -c 'import pyspark' 2>/dev/null || "$venv/bin/pip" install -q pyspark
    # The reference conversion and the archive generator.
    cargo build --release --quiet -p septet-cli -p septet-mailbox --bin septet --example gen_mbox
    export SEPTET_BIN=$target/release/septet SEPTET_GEN_MBOX=$target/release/examples/gen_mbox
    export SEPTET_REQUIRE_SPARK=1
    tests+=(examples/spark)
fi
# Run from elsewhere so that the installed package, not the source tree, is imported.
(cd "$target" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]/#/$root/}")
