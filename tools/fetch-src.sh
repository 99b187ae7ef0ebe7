#!/bin/sh
# tools/fetch-src.sh NAME VERSION ORIG_SHA256 OUTDIR
#
# Fetches the Debian source package NAME=VERSION with apt-get, checks the
# SHA-256 of its upstream (orig) tarball against ORIG_SHA256 and unpacks
# that tarball (upstream code only, without Debian's patches) into
# OUTDIR/NAME-VERSION (the Debian revision dropped). Idempotent: nothing is
# fetched when OUTDIR already holds a checked copy.
#
# No mirror is named here: the deb-src entries are derived from this
# machine's own apt sources (every "Types: deb" stanza of the deb822 files in
# /etc/apt/sources.list.d becomes "Types: deb-src"; one-line "deb" entries of
# *.list files become "deb-src"), written into a private apt configuration
# under build/apt-src, so the system's apt state is neither read for lists
# nor changed. Needs apt-get and dpkg-dev (tools/deps.sh).
set -eu
name=$1 version=$2 want=$3 outdir=$4
upstream=${version#*:}
upstream=${upstream%-*}
dest=$outdir/$name-$upstream
stamp=$dest/.fetched-$version

[ -f "$stamp" ] && exit 0

top=$(cd "$(dirname "$0")/.." && pwd)
apt=${APT_SRC_DIR:-$top/build/apt-src}
mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/archives/partial" "$apt/dl" "$outdir"

# --- deb-src entries from the machine's own sources -------------------------
rm -f "$apt/sources/"*
n=0
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	sed -e 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' \
	    -e 's/^Types:[[:space:]]*deb[[:space:]]\{1,\}deb-src[[:space:]]*$/Types: deb-src/' \
	    "$f" > "$apt/sources/src$n.sources"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" > "$apt/sources/src$n.list"
done
if ! grep -qs 'deb-src' "$apt/sources/"*; then
	echo "fetch-src: no 'deb' apt source found on this machine to derive deb-src from" >&2
	exit 1
fi

aptopts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$apt/sources
 -o Dir::State::Lists=$apt/lists -o Dir::Cache::Archives=$apt/archives
 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root
 -o Debug::NoLocking=1"

# --- fetch --------------------------------------------------------------------
echo "fetch-src: $name=$version (apt-get source, deb-src derived from the machine's apt sources)"
# shellcheck disable=SC2086
apt-get -qq $aptopts update >/dev/null
# shellcheck disable=SC2086
(cd "$apt/dl" && apt-get -qq $aptopts source --download-only "$name=$version" >/dev/null)

orig=$(ls "$apt/dl/${name}_${upstream}.orig.tar."* 2>/dev/null | grep -v '\.asc$' | head -n 1 || true)
if [ -z "$orig" ]; then
	echo "fetch-src: no upstream tarball ${name}_${upstream}.orig.tar.* in $apt/dl" >&2
	exit 1
fi
got=$(sha256sum "$orig" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
	echo "fetch-src: SHA-256 mismatch for $orig" >&2
	echo "  want $want" >&2
	echo "  got  $got" >&2
	exit 1
fi

# --- unpack (into a temporary folder, moved in place only when complete) ------
tmp=$outdir/.unpack-$name.$$
rm -rf "$tmp" "$dest"
mkdir -p "$tmp"
tar -xf "$orig" -C "$tmp"
set -- "$tmp"/*
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "fetch-src: $orig does not hold exactly one top folder" >&2
	rm -rf "$tmp"
	exit 1
fi
mv "$1" "$dest"
rmdir "$tmp"
echo "$got  $(basename "$orig")" > "$stamp"
echo "fetch-src: $name $upstream in $dest (sha256 ok)"
