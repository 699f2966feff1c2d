#!/bin/sh
# prepare.sh ERA: download Debian's linux-source for ERA (6.1 | 6.12), unpack it under
# $E2E_DIR/ERA/linux (outside the repository) and commit it as the base of a git repository.
set -eu
ERA=${1:?usage: prepare.sh 6.1|6.12|arm64}
E2E_DIR=${E2E_DIR:-/var/tmp/entrylint-e2e}
[ "$ERA" = arm64 ] && ERA=6.12    # the arm64 era builds the 6.12 tree for arm64
case "$ERA" in
    6.1|6.12) PKG=linux-source-$ERA ;;
    *) echo "prepare.sh: unknown era '$ERA' (6.1 or 6.12)" >&2; exit 2 ;;
esac
TREE=$E2E_DIR/$ERA/linux
if [ -d "$TREE/.git" ] && git -C "$TREE" rev-parse -q --verify refs/tags/base >/dev/null; then
    echo "prepare.sh: $TREE already prepared"; exit 0
fi
mkdir -p "$E2E_DIR/$ERA/deb"
cd "$E2E_DIR/$ERA/deb"
# One apt-get update per machine: skip it when the package is already known.
apt-cache show "$PKG" >/dev/null 2>&1 || apt-get update
rm -f "$PKG"_*.deb
apt-get download "$PKG"
DEB=$(ls "$PKG"_*.deb)
dpkg-deb -f "$DEB" Package Version > "$E2E_DIR/$ERA/source-package.txt"
rm -rf unpacked "$TREE"
dpkg-deb -x "$DEB" unpacked
mkdir -p "$TREE"
tar -xaf unpacked/usr/src/linux-source-*.tar.* -C "$TREE" --strip-components=1
rm -rf unpacked
cd "$TREE"
# Debian's tarball ends its .gitignore with "/*" and "!/debian/" (ignore everything at the
# top level): drop those two lines so git sees the tree; fail if they are not there.
python3 - <<'PY'
p = ".gitignore"
lines = open(p).read().splitlines(keepends=True)
kept = [l for l in lines if l.strip() not in ("/*", "!/debian/")]
if len(lines) - len(kept) != 2:
    raise SystemExit("prepare.sh: .gitignore lacks Debian's '/*' and '!/debian/' lines")
open(p, "w").writelines(kept)
PY
git init -q -b master
git config user.name "entrylint e2e"
git config user.email "e2e@entrylint.invalid"
git add -A
git commit -q -m "base: $(cat "$E2E_DIR/$ERA/source-package.txt" | tr '\n' ' ')"
git tag base
echo "prepared $TREE at $(git rev-parse --short base)"
