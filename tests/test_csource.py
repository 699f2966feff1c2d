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


# -- spans after an edit: the same as scanning the whole new version ---------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from linter.csource import Span, spans_after_edit  # noqa: E402

C_SHAPES = ["static int __init f%d(void)", "{", "}", "void g%d(int a,", "\t    int b)", "};", "", "\tx%d();",
            "#ifdef CONFIG_X", "#endif", "/* c%d */", " * c", "struct ops o%d = {", "\t.f = f,", "int v%d;",
            "label%d:", "\tif (a) {", "\t}", "  \t", "DEFINE_X(f%d)"]
ASM_SHAPES = ["SYM_FUNC_START(f%d)", "SYM_FUNC_END(f%d)", "\tnop", "SYM_CODE_START_LOCAL(c%d)",
              "SYM_INNER_LABEL(i%d, SYM_L_GLOBAL)", "SYM_CODE_END(c%d)", "l%d:", ".Ll%d:", "1:", "\tcall f%d", "",
              "ENTRY(e%d)", "END(e%d)", "\tELFNOTE(Xen, 1, f%d)"]


def _lines(shapes):
    """Lines of those shapes, the first three (what starts and ends a function) the most often."""
    shape = st.one_of(st.sampled_from(shapes[:3]), st.sampled_from(shapes))
    return st.lists(st.tuples(shape, st.integers(0, 3)).map(
        lambda t: t[0] % t[1] if "%d" in t[0] else t[0]), max_size=40)


@st.composite
def _edited(draw, shapes):
    """(old lines, new lines, edits): new is old with a few stretches replaced."""
    old = draw(_lines(shapes))
    cuts = sorted(draw(st.lists(st.integers(0, len(old)), max_size=6)))
    new, edits, at = [], [], 0
    for a, b in zip(cuts[::2], cuts[1::2]):
        new += old[at:a]
        repl = draw(_lines(shapes).map(lambda xs: xs[:6]))
        edits.append((a, b, len(new), len(new) + len(repl)))
        new += repl
        at = b
    return old, new + old[at:], edits


def test_spans_after_an_edit_that_removes_a_closing_brace():
    old = ["int f(void)", "{", "}", "int g(void)", "{", "}"]
    new = ["int f(void)", "{", "\tx();", "int g(void)", "{", "}"]
    assert spans_after_edit(old, spans(old, "x.c"), new, [(2, 3, 2, 3)], "x.c") == [Span("f", 1, 6)]


@settings(max_examples=400, deadline=None)
@given(_edited(C_SHAPES), st.sampled_from(["x.c", "x.S"]))
def test_spans_after_an_edit_are_the_spans_of_the_new_version_c(case, path):
    old, new, edits = case
    assert spans_after_edit(old, spans(old, path), new, edits, path) == spans(new, path)


@settings(max_examples=400, deadline=None)
@given(_edited(ASM_SHAPES), st.sampled_from(["x.S", "x.c"]))
def test_spans_after_an_edit_are_the_spans_of_the_new_version_asm(case, path):
    old, new, edits = case
    assert spans_after_edit(old, spans(old, path), new, edits, path) == spans(new, path)
