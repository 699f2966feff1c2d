"""new-pv-override: xen_start_kernel() overrides a slot Xen has never assigned.

x86_init.resources.probe_roms (native default probe_roms(), the legacy ROM scan) becomes
x86_init_noop (the name of the noop in both eras) on Xen PV. Native and PVH keep the default:
the paths now differ in what setup_arch() runs at that slot.
"""

from series.edits import Patch

ENLIGHTEN_PV = "arch/x86/xen/enlighten_pv.c"

OVERRIDE = """\
	/* e2e fixture: no legacy ROM scan in a PV guest */
	x86_init.resources.probe_roms = x86_init_noop;
"""


def patches(era: str) -> list[Patch]:
    return [Patch(
        "x86/xen: don't probe legacy ROMs in PV guests",
        "A PV guest has no legacy ROM area to scan: skip probe_roms().",
        lambda t: t.insert_after(ENLIGHTEN_PV,
                                 "\tx86_init.resources.memory_setup = xen_memory_setup;\n",
                                 OVERRIDE),
    )]
