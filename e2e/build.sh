#!/bin/sh
# build.sh ERA [BRANCH]: build a minimal Xen-enabled x86_64 vmlinux of ERA's tree at BRANCH
# (default: the base tag) and copy it to $E2E_DIR/ERA/images/NAME/vmlinux (NAME = BRANCH or
# "base"). Builds are incremental in one tree; an image already built from the same commit
# is reused.
set -eu
ERA=${1:?usage: build.sh 6.1|6.12 [BRANCH]}
BRANCH=${2:-base}
E2E_DIR=${E2E_DIR:-/var/tmp/entrylint-e2e}
JOBS=${JOBS:-2}
TREE=$E2E_DIR/$ERA/linux
[ -d "$TREE/.git" ] || { echo "build.sh: $TREE missing: run prepare.sh $ERA first" >&2; exit 2; }
OUT=$E2E_DIR/$ERA/images/$(echo "$BRANCH" | tr / _)
cd "$TREE"
COMMIT=$(git rev-parse --verify -q "$BRANCH^{commit}") || { echo "build.sh: no branch '$BRANCH' in $TREE" >&2; exit 2; }
if [ -f "$OUT/vmlinux" ] && [ "$(cat "$OUT/commit" 2>/dev/null)" = "$COMMIT" ]; then
    echo "build.sh: $OUT/vmlinux is up to date"; exit 0
fi
git checkout -q --detach "$COMMIT"

# The options every build of the e2e enables on top of tinyconfig.
OPTIONS="64BIT HYPERVISOR_GUEST PARAVIRT XEN XEN_PV XEN_PVH PVH RELOCATABLE RANDOMIZE_BASE SMP PRINTK ACPI PCI"
if [ ! -f .config ] || [ ! -f .e2e-config-done ]; then
    make -s tinyconfig
    for opt in $OPTIONS; do scripts/config --enable "$opt"; done
    make -s olddefconfig
    for opt in $OPTIONS; do
        grep -qx "CONFIG_$opt=y" .config || { echo "build.sh: CONFIG_$opt did not stick" >&2; exit 1; }
    done
    touch .e2e-config-done
fi

START=$(date +%s)
make -s -j"$JOBS" vmlinux
END=$(date +%s)
mkdir -p "$OUT"
cp vmlinux "$OUT/vmlinux"
echo "$COMMIT" > "$OUT/commit"
echo $((END - START)) > "$OUT/build-seconds"
echo "build.sh: $ERA $BRANCH built in $((END - START)) s -> $OUT/vmlinux"
