"""`entrylint build`: vmlinux images of a series' revisions, built outside the user's work tree.

    arch.py      the architectures (--arch): Kbuild's ARCH, the tree's arch/ directory, the fragment, the cross compiler
    tools.py     what the tree needs on this machine (compiler, make, flex, headers) and its version
    fragment.py  the config fragment: the package's, the user's, --debug-info; checked after olddefconfig
    cache.py     where images live, their keys (tree id, fragment, compiler, arch, recipe), atomic install, pruning
    worktree.py  the tree at a revision: one detached git worktree per repository under the cache
    make.py      make with its output in a log, the target being built, and the first error
    status.py    progress on a terminal, one line per image otherwise
    builder.py   the recipe: tinyconfig, the fragment, olddefconfig, vmlinux, into the cache
"""

# --arch's choices, the default first: the arches entrylint ships a profile for (here, not in arch.py:
# cli.py reads them without importing more)
from linter.profilefile import SHIPPED_ARCHES as ARCHES  # noqa: E402,F401
