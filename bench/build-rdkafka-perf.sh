#!/bin/sh
# Builds librdkafka's rdkafka_performance example against Debian's installed librdkafka.
# Output: .bench-out/rdkafka_performance (gitignored). Idempotent: a built binary is reused.
# Nothing fetched here is committed; the source tree stays under .bench-out/.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/.bench-out"
BIN="$OUT/rdkafka_performance"
SRC_PARENT="$OUT/librdkafka-src"

if [ -x "$BIN" ] && "$BIN" -X list >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$OUT" "$SRC_PARENT"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt-get source needs a deb-src entry for the suite the binaries came from.
if ! grep -rqs '^[^#]*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")
  as_root sh -c "printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    '$CODENAME' '$CODENAME' > /etc/apt/sources.list.d/samsa-deb-src.sources"
  NEED_UPDATE=1
fi

NEED_INSTALL=
for pkg in dpkg-dev librdkafka-dev build-essential; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || NEED_INSTALL=1
done
if [ -n "${NEED_UPDATE:-}" ] || [ -n "$NEED_INSTALL" ]; then
  as_root flock /tmp/samsa-apt.lock sh -c 'apt-get update -q && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpkg-dev librdkafka-dev build-essential' >&2
fi

# Use the source of exactly the installed library version so the private headers match.
VERSION=$(dpkg-query -W -f='${Version}' librdkafka-dev)
UPSTREAM=${VERSION%-*}
TREE="$SRC_PARENT/librdkafka-$UPSTREAM"
if [ ! -f "$TREE/examples/rdkafka_performance.c" ]; then
  # Download only: dpkg-source would need the full package build dependencies; the
  # upstream tarball alone has what the example needs.
  (cd "$SRC_PARENT" && apt-get source -q --download-only "librdkafka=$VERSION" >&2)
  tar -xzf "$SRC_PARENT/librdkafka_$UPSTREAM.orig.tar.gz" -C "$SRC_PARENT"
fi

# The example includes src/rd.h, which wants the ../config.h that librdkafka's configure
# writes. Its inline helpers only need the atomics macros and strndup.
cat >"$TREE/config.h" <<'EOF'
#define HAVE_ATOMICS_32 1
#define HAVE_ATOMICS_64 1
#define ATOMIC_OP32(OP1, OP2, PTR, VAL) __atomic_##OP1##_##OP2(PTR, VAL, __ATOMIC_SEQ_CST)
#define ATOMIC_OP64(OP1, OP2, PTR, VAL) __atomic_##OP1##_##OP2(PTR, VAL, __ATOMIC_SEQ_CST)
#define ATOMIC_OP(OP1, OP2, PTR, VAL) __atomic_##OP1##_##OP2(PTR, VAL, __ATOMIC_SEQ_CST)
#define HAVE_STRNDUP 1
EOF

${CC:-cc} -O2 -I"$TREE/src" -o "$BIN.tmp" "$TREE/examples/rdkafka_performance.c" \
  -lrdkafka -lpthread -lm
mv "$BIN.tmp" "$BIN"
echo "$BIN"
