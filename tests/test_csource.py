"""Function spans in C and assembler, the way kernel sources are written."""

from linter.csource import defined_labels, enclosing, spans

ASM = """\
SYM_CODE_START_NOALIGN(startup_64)
	call	__startup_64
	jmp	1f
SYM_CODE_END(startup_64)

SYM_CODE_START(secondary_startup_64)
	nop
SYM_INNER_LABEL(common_startup_64, SYM_L_LOCAL)
	nop
1:
	lretq
SYM_CODE_END(secondary_startup_64)
	ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, _ASM_PTR startup_xen)
"""

C = """\
static struct ops xen_ops = {
	.f = xen_f,
};

asmlinkage __visible void __init
x86_64_start_kernel(char *real_mode_data,
		    int more)
{
	if (x)
		y();
}

#ifdef CONFIG_X
void __init helper(void)
{
	z();
}
#endif
"""


def _name(lines, path, line):
    span = enclosing(spans(lines, path), line)
    return span.name if span else None


def test_asm_labels_inner_labels_and_directives_outside():
    lines = ASM.splitlines()
    assert _name(lines, "head_64.S", 2) == "startup_64"
    assert _name(lines, "head_64.S", 5) is None            # between END and the next START
    assert _name(lines, "head_64.S", 7) == "secondary_startup_64"
    assert _name(lines, "head_64.S", 9) == "common_startup_64"
    assert _name(lines, "head_64.S", 11) == "common_startup_64"   # numeric labels are not functions
    assert _name(lines, "head_64.S", 13) is None            # a note after SYM_CODE_END


def test_c_functions_with_split_declarations_and_initialisers():
    lines = C.splitlines()
    assert _name(lines, "head64.c", 2) is None               # a struct initialiser is no function
    assert _name(lines, "head64.c", 9) == "x86_64_start_kernel"
    assert _name(lines, "head64.c", 16) == "helper"
    assert _name(lines, "head64.c", 18) is None              # the #endif after it


def test_defined_labels_tell_global_from_local():
    lines = ["SYM_CODE_START(a)", "SYM_CODE_START_LOCAL(b)", "SYM_INNER_LABEL(c, SYM_L_GLOBAL)",
             "SYM_INNER_LABEL(d, SYM_L_LOCAL)", ".globl e", "e:", "f:"]
    assert defined_labels(lines) == [("a", True), ("b", False), ("c", True), ("d", False), ("e", True)]
