#!/usr/bin/env bash
# The septet crate's tests on aarch64 under qemu user-mode emulation: once
# with SEPTET_FORCE_ISA=neon (and SEPTET_REQUIRE_ISA=neon, so a build that
# lost its NEON table fails instead of passing on scalar) and once without.
#
# Installs what it needs when missing: the Rust target, the cross linker
# (gcc-aarch64-linux-gnu) and qemu (qemu-user-static). Uses the default
# target dir (target/aarch64-unknown-linux-gnu) so CI caches it.
#
# The Python differential tests run: the emulated test binary starts the
# host's python3 as a subprocess, which runs natively. The tests that
# re-run their own binary in a child process (SEPTET_FORCE_ISA checks) do so
# through SEPTET_TEST_RUNNER, since without binfmt_misc the kernel cannot
# start an aarch64 binary by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

TARGET=aarch64-unknown-linux-gnu
SYSROOT=/usr/aarch64-linux-gnu

if ! rustup target list --installed | grep -qx "$TARGET"; then
    rustup target add "$TARGET"
fi
missing=()
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64-static >/dev/null || command -v qemu-aarch64 >/dev/null \
    || missing+=(qemu-user-static)
if ((${#missing[@]})); then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64)

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="$QEMU -L $SYSROOT"
export SEPTET_TEST_RUNNER="$QEMU -L $SYSROOT"

run() {
    echo "== cargo test -p septet --target $TARGET ($*)"
    env "$@" cargo test -p septet --target "$TARGET"
}

run SEPTET_FORCE_ISA=neon SEPTET_REQUIRE_ISA=neon
# Without the variable: run-time detection must choose the NEON table (the
# library's own tests check the choice; the codec suites ran above).
echo "== cargo test -p septet --target $TARGET --lib (detection)"
env SEPTET_FORCE_ISA= SEPTET_REQUIRE_ISA=neon cargo test -p septet --target "$TARGET" --lib
