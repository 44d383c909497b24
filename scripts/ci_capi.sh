#!/usr/bin/env bash
# CI for libseptet (crates/septet-capi): the committed header matches
# cbindgen's output; the C test program passes linked statically and
# against the shared library, under valgrind without errors or leaks; the
# milter rewrites an 8-bit message under miltertest and in a private Postfix
# instance (smtpd_milters) relaying to an SMTP sink.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR=never
CBINDGEN_VERSION=0.29.4

need_apt=()
command -v cc >/dev/null || need_apt+=(gcc libc6-dev)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v miltertest >/dev/null || need_apt+=(miltertest)
[ -f /usr/include/libmilter/mfapi.h ] || need_apt+=(libmilter-dev)
if ! command -v postfix >/dev/null; then
    # "No configuration": no main.cf and no system instance is started; the
    # milter test runs its own private instance.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    need_apt+=(postfix)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== capi: header is up to date"
cbindgen --quiet --config crates/septet-capi/cbindgen.toml --crate septet-capi \
    --output "$work/septet.h" crates/septet-capi
if ! diff -u include/septet.h "$work/septet.h"; then
    echo "include/septet.h differs from cbindgen's output: regenerate and commit it" >&2
    exit 1
fi

echo "== capi: build and install"
cargo build --release -p septet-capi
prefix="$work/prefix"
crates/septet-capi/install.sh "$prefix" "$target" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cflags=(-std=c11 -O2 -g -Wall -Wextra -Werror $(pkg-config --cflags septet))
test_c=crates/septet-capi/tests/c/test_septet.c
cc "${cflags[@]}" -o "$work/test_static" "$test_c" "$prefix/lib/libseptet.a" -lpthread -ldl -lm
cc "${cflags[@]}" -o "$work/test_shared" "$test_c" $(pkg-config --libs septet) -Wl,-rpath,"$prefix/lib"
ldd "$work/test_shared" | grep -q "$prefix/lib/libseptet.so"
if ldd "$work/test_static" | grep -q libseptet; then
    echo "test_static links libseptet dynamically" >&2
    exit 1
fi

echo "== capi: C tests (static, shared, each ISA this CPU has, a bogus SEPTET_FORCE_ISA)"
isas=(scalar)
flags="$(grep -m1 '^flags' /proc/cpuinfo || true)"
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
if has avx2; then isas+=(avx2); fi
if has avx512f avx512bw avx512vl avx512vbmi avx512_vbmi2 bmi2; then isas+=(avx512); fi
for t in test_static test_shared; do
    "$work/$t" corpus/crlf
    for isa in "${isas[@]}"; do
        SEPTET_FORCE_ISA="$isa" "$work/$t" corpus/crlf
    done
    SEPTET_FORCE_ISA=bogus "$work/$t"
done

echo "== capi: valgrind"
vg=(valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all
    --errors-for-leak-kinds=all)
"${vg[@]}" "$work/test_static" corpus/crlf
"${vg[@]}" "$work/test_shared" corpus/crlf

echo "== capi: milter"
cc -std=gnu11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags septet) -o "$work/septet-milter" \
    examples/milter/septet-milter.c "$prefix/lib/libseptet.a" -lmilter -lpthread -ldl -lm
port=$((20000 + RANDOM % 20000))
sed -e "s|@MILTER@|$work/septet-milter|g" -e "s|@PORT@|$port|g" \
    examples/milter/test.lua > "$work/test.lua"
miltertest -s "$work/test.lua"
examples/milter/postfix_test.sh "$work/septet-milter"
echo "capi: milter passed"
