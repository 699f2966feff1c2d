#!/bin/sh
# debian_images.sh [PACKAGE...]: fetch Debian's packaged debug kernels and keep only their vmlinux,
# as $E2E_DIR/debian/<kernel release>/vmlinux with package.txt (exact package name and version).
# Default packages: the 6.1 and 6.12 cloud-amd64 debug images built from the same sources as
# the linux-source packages prepare.sh uses, and the 6.12 cloud-arm64 one (PACKAGE:arm64: a foreign
# architecture is added to dpkg first, so apt-get can download it; nothing is installed).
set -eu
E2E_DIR=${E2E_DIR:-/var/tmp/entrylint-e2e}
[ $# -gt 0 ] || set -- linux-image-6.1.0-56-cloud-amd64-dbg linux-image-6.12.117+deb12-cloud-amd64-dbg \
    linux-image-6.12.117+deb12-cloud-arm64-dbg:arm64
mkdir -p "$E2E_DIR/debian/deb"
for SPEC in "$@"; do
    cd "$E2E_DIR/debian/deb"
    PKG=${SPEC%%:*}
    case $SPEC in
    *:*) ARCH=${SPEC#*:}
         dpkg --print-foreign-architectures | grep -qx "$ARCH" || { dpkg --add-architecture "$ARCH"; apt-get update; } ;;
    esac
    apt-cache show "$SPEC" >/dev/null 2>&1 || apt-get update
    RELEASE=${PKG#linux-image-}
    RELEASE=${RELEASE%-dbg}
    OUT=$E2E_DIR/debian/$RELEASE
    if [ -f "$OUT/vmlinux" ]; then echo "debian_images.sh: $OUT/vmlinux exists"; continue; fi
    rm -f "$PKG"_*.deb
    apt-get download "$SPEC"
    DEB=$(ls "$PKG"_*.deb)
    mkdir -p "$OUT"
    # Only the vmlinux: the package also carries ~1.5 GB of module debug files. tar stops after
    # the first match, so dpkg-deb dies of a broken pipe (its message is hidden): check the ELF.
    dpkg-deb --fsys-tarfile "$DEB" 2>/dev/null \
        | tar -x -O --occurrence=1 "./usr/lib/debug/boot/vmlinux-$RELEASE" > "$OUT/vmlinux.part"
    [ "$(head -c 4 "$OUT/vmlinux.part" | od -An -c | tr -d ' ')" = '177ELF' ] \
        || { echo "debian_images.sh: no vmlinux extracted from $DEB" >&2; exit 1; }
    mv "$OUT/vmlinux.part" "$OUT/vmlinux"
    dpkg-deb -f "$DEB" Package Version > "$OUT/package.txt"
    rm -f "$DEB"
    echo "debian_images.sh: $(tr '\n' ' ' < "$OUT/package.txt")-> $OUT/vmlinux"
done
