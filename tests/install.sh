#!/bin/sh
# make install into a temporary prefix, then build and run a program against
# the installed headers, static library and pkg-config file, and run the
# installed gongbao. Also checks that DESTDIR stages without touching PREFIX.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
check() { passed=$((passed + 1)); echo "ok   $1"; }

make --no-print-directory -s install PREFIX="$tmp/prefix" >/dev/null
for f in bin/gongbao lib/libgongbao.a lib/libgongbao.so lib/pkgconfig/gongbao.pc \
	include/gongbao/ledger.h include/gongbao/error.h; do
	[ -e "$tmp/prefix/$f" ] || { echo "FAIL installed $f is missing"; exit 1; }
done
check "install puts program, libraries, headers and gongbao.pc under PREFIX"

cat > "$tmp/use.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <gongbao/error.h>
#include <gongbao/merkle.h>
int main(void)
{
	uint8_t root[GB_HASH_BYTES];
	gb_merkle_empty_root(root);
	if (root[0] != 0xe3 || strcmp(gb_errname(GB_ESIG), "GB_ESIG") != 0)
		return 1;
	puts("linked");
	return 0;
}
C
PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --exists gongbao
cc ${SANITIZE:+-fsanitize=$SANITIZE} -o "$tmp/use" "$tmp/use.c" $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --cflags --libs --static gongbao)
[ "$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/use")" = linked ]
check "a program builds with pkg-config --cflags --libs gongbao and runs"
"$tmp/prefix/bin/gongbao" --version | grep -q '^gongbao '
check "the installed gongbao runs"

make --no-print-directory -s install PREFIX=/opt/gongbao-staged DESTDIR="$tmp/stage" >/dev/null
[ -x "$tmp/stage/opt/gongbao-staged/bin/gongbao" ] && [ ! -e /opt/gongbao-staged ]
grep -q '^prefix=/opt/gongbao-staged$' "$tmp/stage/opt/gongbao-staged/lib/pkgconfig/gongbao.pc"
check "DESTDIR stages under itself; the .pc names the final PREFIX"
echo "install: $passed passed, 0 failed"
