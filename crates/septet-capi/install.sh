#!/usr/bin/env bash
# Installs libseptet (static and shared), include/septet.h and septet.pc
# under PREFIX, from a release build of this crate:
#   cargo build --release -p septet-capi
#   crates/septet-capi/install.sh /usr/local [TARGET_DIR]
# The cargo library is named septet_capi (the Rust crate septet owns the
# name libseptet.rlib); the C names are libseptet.a and libseptet.so.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="${1:?usage: install.sh PREFIX [TARGET_DIR]}"
target="${2:-${CARGO_TARGET_DIR:-$root/target}}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)"

install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 644 "$target/release/libseptet_capi.a" "$prefix/lib/libseptet.a"
install -m 755 "$target/release/libseptet_capi.so" "$prefix/lib/libseptet.so"
install -m 644 "$root/include/septet.h" "$prefix/include/septet.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$here/septet.pc.in" \
    > "$prefix/lib/pkgconfig/septet.pc"
echo "installed libseptet $version under $prefix"
