#!/usr/bin/env bash
# Installs a libwamp build tree into a temporary prefix, then builds and runs consumers:
#   1. C program via `pkg-config --cflags --libs libwamp` (links the shared library)
#   2. the same via `pkg-config --static --cflags --libs libwamp` against libwamp.a
#   3. a CMake project using find_package(libwamp) with libwamp::wamp_static and ::wamp_shared
# usage: run.sh <build-dir> <c-compiler> <cmake> [sanitize ON/OFF]
set -euo pipefail
build=$1 cc=$2 cmake=$3 sanitize=${4:-OFF}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

# a sanitized library needs sanitized consumers (the flags are not part of the package)
san=()
case "$sanitize" in ON | on | TRUE | true | 1) san=(-fsanitize=address,undefined) ;; esac

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"
libdir=$(dirname "$(find "$prefix" -name libwamp.pc -path '*/pkgconfig/*' | head -n1)")
libdir=${libdir%/pkgconfig}
test -f "$libdir/libwamp.a" || { echo "libwamp.a not installed"; exit 1; }
test -e "$libdir/libwamp.so" || { echo "libwamp.so not installed"; exit 1; }

expect="$(grep -o 'WAMP_VERSION_STRING "[^"]*"' "$prefix/include/wamp/common.h" | cut -d'"' -f2) [\"hi\", 42] WAMP_EDUPKEY"
check() { # name, program
    local out
    out=$("$2")
    if [ "$out" != "$expect" ]; then
        echo "FAIL $1: got '$out', expected '$expect'"
        exit 1
    fi
    echo "ok   $1"
}

# only the installed prefix may be visible: no build tree, no source include dir
export PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_LIBDIR=$libdir/pkgconfig:$(pkg-config --variable pc_path pkg-config)

# --- 1. pkg-config, shared
read -ra cflags <<<"$(pkg-config --cflags libwamp)"
read -ra libs <<<"$(pkg-config --libs libwamp)"
"$cc" "${san[@]}" "${cflags[@]}" "$here/consumer/main.c" -o "$work/pc_shared" "${libs[@]}"
readelf -d "$work/pc_shared" | grep -q 'NEEDED.*libwamp\.so' || { echo "pc_shared not linked to libwamp.so"; exit 1; }
LD_LIBRARY_PATH=$libdir check "pkg-config shared" "$work/pc_shared"

# --- 2. pkg-config --static: libwamp.a and everything from Libs.private / Requires.private
read -ra slibs <<<"$(pkg-config --static --libs libwamp)"
static_libs=()
for t in "${slibs[@]}"; do
    if [ "$t" = "-lwamp" ]; then static_libs+=("$libdir/libwamp.a"); else static_libs+=("$t"); fi
done
"$cc" "${san[@]}" "${cflags[@]}" "$here/consumer/main.c" -o "$work/pc_static" "${static_libs[@]}"
if readelf -d "$work/pc_static" | grep -q 'NEEDED.*libwamp'; then echo "pc_static needs libwamp.so"; exit 1; fi
check "pkg-config --static" "$work/pc_static"
# without --static the private dependencies are missing: the static link must fail
if "$cc" "${san[@]}" "${cflags[@]}" "$here/consumer/main.c" -o "$work/pc_bad" "$libdir/libwamp.a" \
    2>/dev/null; then
    echo "note: static link without Libs.private succeeded (dependencies not needed?)"
else
    echo "ok   static link without --static fails as expected"
fi

# --- 3. CMake package
flags="${san[*]}"
"$cmake" -S "$here/cmake_consumer" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCONSUMER_SOURCE="$here/consumer/main.c" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_BUILD_TYPE=Release \
    >"$work/cm.log" || { cat "$work/cm.log"; exit 1; }
"$cmake" --build "$work/cm" >"$work/cmb.log" 2>&1 || { cat "$work/cmb.log"; exit 1; }
if readelf -d "$work/cm/consumer_static" | grep -q 'NEEDED.*libwamp'; then echo "consumer_static needs libwamp.so"; exit 1; fi
readelf -d "$work/cm/consumer_shared" | grep -q 'NEEDED.*libwamp\.so' || { echo "consumer_shared not linked to libwamp.so"; exit 1; }
check "cmake libwamp::wamp_static" "$work/cm/consumer_static"
check "cmake libwamp::wamp_shared" "$work/cm/consumer_shared" # runs through the build RPATH
echo "install test passed"
