#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Regenerates examples/series/000*.patch: copies the base tree examples/kernel into a temporary
# git repository, makes three scripted edits as three commits and runs git format-patch.
# Authors, dates and git settings are fixed, so the same tree always gives the same patches.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="Ada Example" GIT_AUTHOR_EMAIL="ada@example.org"
export GIT_COMMITTER_NAME="Ada Example" GIT_COMMITTER_EMAIL="ada@example.org"

commit() {  # commit <date> <message file>
	GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" git commit -q -a -F "$2"
}

# edit FILE ANCHOR TEXT: insert TEXT after the first line containing ANCHOR (which must exist)
edit() {
	python3 - "$@" <<'PY'
import sys
path, anchor, text = sys.argv[1:]
lines = open(path).read().split("\n")
at = next(i for i, line in enumerate(lines) if anchor in line)
lines[at + 1:at + 1] = text.split("\n")
open(path, "w").write("\n".join(lines))
PY
}

mkdir "$work/linux"
(cd "$here/kernel" && tar cf - --exclude='*.o' --exclude=vmlinux .) | tar xf - -C "$work/linux"
cd "$work/linux"
git init -q -b master .
git add -A
GIT_AUTHOR_DATE="2024-05-06T10:00:00Z" GIT_COMMITTER_DATE="2024-05-06T10:00:00Z" \
	git commit -q -m "example kernel: base tree"

# 1: a new door for the Xen PV path, announced by a second XEN_ELFNOTE_ENTRY note
edit arch/x86/xen/xen-head.S "SYM_CODE_END(startup_xen)" '
/*
 * A toolstack that kexecs a PV guest has already set up the start_info page and the
 * stack: it enters here and we join startup_xen with the stack it gave us.
 */
SYM_CODE_START(startup_xen_kexec)
	cld
	movq	%rsi, %rdi			/* start_info */
	jmp	startup_xen
SYM_CODE_END(startup_xen_kexec)'
edit arch/x86/xen/xen-head.S "XEN_ELFNOTE_ENTRY," \
	'	ELFNOTE(Xen, XEN_ELFNOTE_ENTRY,          _ASM_PTR startup_xen_kexec)'
cat > "$work/msg" <<'MSG'
x86/xen: add a direct entry for kexec'd PV guests

A toolstack that kexecs a PV guest sets up start_info and the stack
itself. Give it its own entry point, announced with a second
XEN_ELFNOTE_ENTRY note, which joins startup_xen afterwards.

Signed-off-by: Ada Example <ada@example.org>
MSG
commit "2024-05-07T09:00:00Z" "$work/msg"

# 2: a new init call on the native path only
edit arch/x86/kernel/setup.c "#include <asm/paravirt_types.h>" '
/* CPU errata that must be worked around before the boot data is read. */
void __init early_cpu_quirks_init(void)
{
	write_cr4(read_cr0() & 0x40);
}'
edit arch/x86/kernel/head64.c "	clear_bss();" '	early_cpu_quirks_init();'
edit include/linux/kernel.h "void early_setup_idt(void);" 'void early_cpu_quirks_init(void);'
cat > "$work/msg" <<'MSG'
x86/boot: apply early CPU quirks before copying boot data

Some CPUs need a CR4 fix-up before the boot data is touched. Do it
right after clearing .bss in x86_64_start_kernel().

Signed-off-by: Ada Example <ada@example.org>
MSG
commit "2024-05-08T09:00:00Z" "$work/msg"

# 3: a harmless cleanup outside the entry code
sed -i 's/recieve/receive/' kernel/printk.c
cat > "$work/msg" <<'MSG'
printk: fix a typo in a comment

Signed-off-by: Ada Example <ada@example.org>
MSG
commit "2024-05-09T09:00:00Z" "$work/msg"

# 4: the early reservations moved after the memory map is set up: on Xen PV that runs
# xen_memory_setup, which needs them made (a Xen PV dom0 broke this way in 2021)
python3 - <<'PY2'
p = "arch/x86/kernel/setup.c"
s = open(p).read()
start = s.index("\t/*\n\t * Reserve before the memory map")
end = s.index("\tearly_reserve_memory();\n", start) + len("\tearly_reserve_memory();\n")
s = s[:start] + s[end:]
s = s.replace("\te820__memory_setup();\n", "\te820__memory_setup();\n\tearly_reserve_memory();\n", 1)
open(p, "w").write(s)
PY2
cat > "$work/msg" <<'MSG'
x86/setup: make the early reservations once the memory map is known

Reserve the kernel image and the first 64K right after the memory map
is set up, next to the other users of the map.

Signed-off-by: Ada Example <ada@example.org>
MSG
commit "2024-05-10T09:00:00Z" "$work/msg"

rm -f "$here"/series/*.patch
git format-patch -q --no-signature -o "$here/series" master~4..master
ls "$here/series"
