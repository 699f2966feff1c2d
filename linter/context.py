"""Context: what rules read. Rules never parse input; everything they need is here.

The image side is optional and loaded lazily: a diff-only run never imports numpy or
pyelftools (pre-commit must stay close to Python's own start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linter.record import field, record

if TYPE_CHECKING:  # pragma: no cover - types only
    from linter.marks import HunkMark
    from linter.profile import Profile
    from linter.series import Series


@record
class Context:
    series: "Series | None"
    marks: "list[HunkMark]"
    profile: "Profile"
    repo_root: str | None = None          # the git work tree the series belongs to, if any
    image_path: str | None = None         # --image (the head, after the series)
    base_image_path: str | None = None    # --base-image (before the series)
    use_cache: bool = True
    versions: Any = None                  # versions.FileVersions the marks read (git blobs), if any
    notes: list[str] = field(default_factory=list)   # things a rule could not read: shown to the user
    _images: dict[str, Any] = field(default_factory=dict, repr=False)
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)

    def shared(self, key: str, compute):
        """What several rules read (the notes a series changes, …): computed once per run."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    @property
    def has(self) -> set[str]:
        """What inputs this run has, matched against each rule's NEEDS."""
        have = set()
        if self.series is not None:
            have.add("diff")
        if self.image_path:
            have.add("image")
        if self.base_image_path:
            have.add("base-image")
        return have

    def image(self, which: str = "head"):
        """The ImageModel of --image ("head") or --base-image ("base"), built once per run."""
        if which not in self._images:
            from linter.image.model import load_image  # lazy: numpy and pyelftools live there

            path = self.image_path if which == "head" else self.base_image_path
            self._images[which] = load_image(path, self.profile, use_cache=self.use_cache)
            self.notes += [f"{path}: {w}" for w in self._images[which].warnings]
        return self._images[which]

    def base_revision(self) -> str | None:
        """The revision the series applies to: the first commit's parent, or HEAD for a staged
        change and for patch files checked in a work tree (b4 am)."""
        if self.series is None or not self.series.patches or not self.repo_root:
            return None
        first = self.series.patches[0]
        return f"{first.commit}^" if first.commit else "HEAD"

    def hook_map(self):
        """The hook map (hookmap.HookMap) at the base revision, read once per run; None with no git
        tree (patch files alone), or when the series touches no file of the profile's [hooks]."""
        def build():
            from linter.hookmap import hook_map_at

            revision = self.base_revision()
            if revision is None or self.versions is None or not any(self.profile.hooks.watches(m.file)
                                                                    for m in self.marks):
                return None      # (no tree, or nothing the hook rules look at: not read at all)
            hm = hook_map_at(self.repo_root, revision, self.profile.hooks, tuple(self.profile.hooks.tables),
                             self.versions)
            self.notes += hm.notes
            return hm
        return self.shared("hook-map", build)

    def file_versions(self, mark) -> "tuple[list[str] | None, list[str] | None]":
        """(pre-image lines, post-image lines) of a hunk's file, each None when not at hand."""
        from linter.marks import file_texts

        pf = next((pf for pf in mark.patch.patchset if any(h is mark.hunk for h in pf)), None)
        if pf is None:
            return None, None
        pre_path = pf.source_file[2:] if pf.source_file.startswith("a/") else mark.file
        return file_texts(self.versions, mark.patch, pf, pre_path, mark.file)

    def marked(self, path_scoped: bool = True) -> "list[HunkMark]":
        """Hunks that touch entry code (path_scoped) or every watched hunk."""
        return [m for m in self.marks if m.paths or not path_scoped]
