#!/bin/sh
# build-win-deps.sh - the Windows (x86_64-w64-mingw32) builds of cJSON,
# SQLite, zlib, PCRE2 and cmocka, made from Debian's *source* packages: nothing third-party
# is committed to the repository.
#
#   scripts/build-win-deps.sh [OUT]        (default: build-win/deps)
#
# apt runs with a deb-src list and state directory of its own under OUT, so
# the machine's apt configuration is left alone. Results are cached: a second
# run with everything in place does nothing. Output: OUT/prefix/{include,lib}.
set -eu

OUT=$(mkdir -p "${1:-build-win/deps}" && cd "${1:-build-win/deps}" && pwd)
PREFIX=$OUT/prefix
STAMP=$PREFIX/.complete-v3
CC=x86_64-w64-mingw32-gcc-posix
AR=x86_64-w64-mingw32-gcc-ar-posix
TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ -f "$STAMP" ]; then
    exit 0
fi
for tool in $CC $AR apt-get dpkg-source tclsh make cmake; do
    command -v "$tool" >/dev/null || {
        echo "build-win-deps: '$tool' is missing; run scripts/install-deps.sh --windows" >&2
        exit 1
    }
done

APT=$OUT/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$OUT/src" "$PREFIX/include/cjson" "$PREFIX/lib"
KEY=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$APT/sources.list" <<EOS
deb-src [signed-by=$KEY] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$KEY] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$KEY] http://deb.debian.org/debian-security bookworm-security main
EOS
APTOPT="-o Dir::Etc::SourceList=$APT/sources.list -o Dir::Etc::SourceParts=/nonexistent \
-o Dir::State::Lists=$APT/lists -o Dir::Cache=$APT/cache -o APT::Sandbox::User=root"

echo "build-win-deps: fetching Debian source packages (cjson sqlite3 zlib pcre2 cmocka)" >&2
# shellcheck disable=SC2086 # APTOPT is a list of options
apt-get -q $APTOPT update >/dev/null
cd "$OUT/src"
# A mirror may lack the newest upload (a security update not yet mirrored):
# then the newest version it does have, said out loud.
fetch_source() {
    # shellcheck disable=SC2086 # APTOPT is a list of options
    apt-get -q $APTOPT source "$1" >/dev/null 2>&1 && return 0
    # shellcheck disable=SC2086
    for v in $(apt-cache $APTOPT showsrc "$1" | sed -n 's/^Version: //p' | sort -u -r -V); do
        # shellcheck disable=SC2086
        if apt-get -q $APTOPT source "$1=$v" >/dev/null 2>&1; then
            echo "build-win-deps: $1: the newest source is not on the mirror; using $v" >&2
            return 0
        fi
    done
    echo "build-win-deps: cannot fetch the source package $1" >&2
    return 1
}
for pkg in cjson sqlite3 zlib pcre2 cmocka; do
    if ! ls -d "$pkg"-*/ >/dev/null 2>&1; then
        fetch_source "$pkg"
    fi
done

echo "build-win-deps: cJSON" >&2
CJ=$(ls -d cjson-*/ | head -n 1)
$CC -O2 -c "$CJ/cJSON.c" -o cJSON.o
$AR rcs "$PREFIX/lib/libcjson.a" cJSON.o
cp "$CJ/cJSON.h" "$PREFIX/include/cjson/cJSON.h"

echo "build-win-deps: SQLite (amalgamation generated natively, compiled with mingw)" >&2
SQ=$(cd "$(ls -d sqlite3-*/ | head -n 1)" && pwd)
mkdir -p "$SQ/bld"
(cd "$SQ/bld" && { [ -f sqlite3.c ] || { ../configure --disable-tcl >/dev/null && make sqlite3.c >/dev/null; }; })
$CC -O2 -c "$SQ/bld/sqlite3.c" -o sqlite3.o -DSQLITE_ENABLE_FTS5 -DSQLITE_THREADSAFE=1 \
    -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_OMIT_LOAD_EXTENSION
$AR rcs "$PREFIX/lib/libsqlite3.a" sqlite3.o
cp "$SQ/bld/sqlite3.h" "$SQ/bld/sqlite3ext.h" "$PREFIX/include/" 2>/dev/null || cp "$SQ/bld/sqlite3.h" "$PREFIX/include/"

echo "build-win-deps: zlib" >&2
# The library's C files only (the rotated text files' gzip writer needs
# nothing else): no configure, no DLL, the same way as cJSON above.
ZL=$(cd "$(ls -d zlib-*/ | head -n 1)" && pwd)
rm -rf "$OUT/zlib-obj" && mkdir "$OUT/zlib-obj"
for c in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate \
    inftrees trees uncompr zutil; do
    $CC -O2 -c "$ZL/$c.c" -o "$OUT/zlib-obj/$c.o"
done
$AR rcs "$PREFIX/lib/libz.a" "$OUT/zlib-obj"/*.o
cp "$ZL/zlib.h" "$ZL/zconf.h" "$PREFIX/include/"

echo "build-win-deps: PCRE2" >&2
# Its own CMake build, 8-bit code units only, static, with Unicode and the
# JIT (sljit has an x86-64 Windows backend): libpcre2-8.a and pcre2.h, which
# CMakeLists.txt finds and compiles against with PCRE2_STATIC.
PC=$(cd "$(ls -d pcre2-*/ | head -n 1)" && pwd)
cmake -S "$PC" -B "$OUT/pcre2-build" -DCMAKE_TOOLCHAIN_FILE="$TOP/cmake/mingw-w64-x86_64.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" -DBUILD_SHARED_LIBS=OFF \
    -DBUILD_STATIC_LIBS=ON -DPCRE2_BUILD_PCRE2_8=ON -DPCRE2_BUILD_PCRE2_16=OFF \
    -DPCRE2_BUILD_PCRE2_32=OFF -DPCRE2_SUPPORT_UNICODE=ON -DPCRE2_SUPPORT_JIT=ON \
    -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF >/dev/null
cmake --build "$OUT/pcre2-build" -j2 >/dev/null
cmake --install "$OUT/pcre2-build" >/dev/null

echo "build-win-deps: cmocka" >&2
CM=$(cd "$(ls -d cmocka-*/ | head -n 1)" && pwd)
cmake -S "$CM" -B "$OUT/cmocka-build" -DCMAKE_TOOLCHAIN_FILE="$TOP/cmake/mingw-w64-x86_64.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" -DWITH_STATIC_LIB=ON \
    -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF >/dev/null
cmake --build "$OUT/cmocka-build" -j2 >/dev/null
cmake --install "$OUT/cmocka-build" >/dev/null

touch "$STAMP"
echo "build-win-deps: done: $PREFIX" >&2
