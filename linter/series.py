"""Patch series from git (a range, one commit, the staged change), patch files, an mbox or stdin.

Every source ends as the same Series: ordered Patch objects, each with its commit id (if any),
subject, author, message, trailers and a unidiff PatchSet. Like b4, a git range is turned into
email messages (`git format-patch --stdout`) so that git, files and mboxes share one parser.

Only the files a rule looks at (profile.is_watched) are parsed hunk by hunk; the others are
counted. That keeps a 100-patch series and a 50 MB patch cheap.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from typing import Callable

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from linter.errors import PatchError

Wanted = Callable[[str, str], bool]   # (file name, its diff text) → parse it?

# "From 1a2b... Mon Sep 17 00:00:00 2001" (format-patch) or any mbox "From " separator line.
MBOX_FROM = re.compile(rb"^From \S+ +\S", re.M)
SUBJECT_TAG = re.compile(r"^\s*(\[[^\]]*\]\s*)+")
SERIES_POS = re.compile(r"\[[^\]]*?\b(\d+)/(\d+)\]")
TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s+(.*\S)\s*$")
DIFF_START = re.compile(r"^diff --git |^--- (?:a/|/dev/null)|^Index: ", re.M)
FILE_START = re.compile(r"^diff --git ", re.M)
HUNK_HEAD = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
BINARY_DIFF = re.compile(r"^(?:Binary files .* differ|GIT binary patch)$", re.M)
# A watched file's diff bigger than this is not parsed line by line (unidiff keeps ~400 bytes a
# line): no entry file change is this big, and a 50 MB diff must not cost gigabytes.
MAX_PARSED_FILE_DIFF = 8 << 20


@dataclass
class Patch:
    index: int                      # 1-based position in the series
    subject: str
    author: str = ""
    message: str = ""               # the commit message body
    commit: str | None = None
    source: str = ""                # where it came from, for messages
    trailers: list[tuple[str, str]] = field(default_factory=list)
    patchset: PatchSet = field(default_factory=lambda: PatchSet(""))
    other_files: list[str] = field(default_factory=list)   # changed files no rule looks at

    def trailer_values(self, key: str) -> list[str]:
        return [v for k, v in self.trailers if k.lower() == key.lower()]


@dataclass
class Series:
    patches: list[Patch]
    notes: list[str] = field(default_factory=list)   # what was skipped, and why
    repo_root: str | None = None                     # the work tree, when the series came from git
    revision: str | None = None                      # the range or commit asked for


# -- patch text → PatchSet ---------------------------------------------------------------------
def parse_diff(text: str, source: str, wanted: Wanted | None) -> tuple[PatchSet, list[str]]:
    """Parse the watched files of a diff; return the PatchSet and the names of the other files."""
    if "\r\n" in text and text.count("\r\n") >= text.count("\n") - 1:
        text = text.replace("\r\n", "\n")  # a mail client's line ends, not the file's
    text = text.rstrip("\n") + "\n"  # the blank line that separates mbox messages is not a hunk line
    chunks = FILE_SPLIT.split(text) if text.startswith("diff --git ") or "\ndiff --git " in text else [text]
    keep, others = [], []
    for chunk in chunks:
        if not chunk.strip():
            continue
        name = _chunk_name(chunk)
        if wanted is None or name is None or wanted(name, chunk):
            keep.append(chunk)
        else:
            others.append(name)
    try:
        patchset = PatchSet("".join(keep))
    except UnidiffParseError as exc:
        raise PatchError(source, f"malformed diff: {exc} (the patch is truncated, or a hunk's line counts "
                         f"are wrong)") from None
    if keep and not patchset and not others:
        raise PatchError(source, "no diff found (not a patch?)")
    _check_truncated(patchset, source)
    return patchset, others


def _chunk_name(chunk: str) -> str | None:
    m = re.match(r"diff --git (?:\"?a/)?(\S+?)\"? (?:\"?b/)?(\S+?)\"?\n", chunk)
    return m.group(2) if m else None


def _check_truncated(patchset: PatchSet, source: str) -> None:
    """unidiff accepts a hunk cut short at the end of the text: a truncated patch must not pass."""
    for pf in patchset:
        for hunk in pf:
            # count only diff lines: unidiff also keeps a trailing blank line and "\ No newline" markers
            got_src = sum(1 for ln in hunk if ln.is_context or ln.is_removed)
            got_tgt = sum(1 for ln in hunk if ln.is_context or ln.is_added)
            if got_src != hunk.source_length or got_tgt != hunk.target_length:
                raise PatchError(source, f"{pf.path}: hunk @@ -{hunk.source_start},{hunk.source_length} "
                                 f"+{hunk.target_start},{hunk.target_length} @@ is truncated or its "
                                 f"line counts are wrong")


# -- one email message → Patch -------------------------------------------------------------------
def _header(msg, name: str) -> str:
    raw = msg.get(name, "")
    try:
        return str(make_header(decode_header(str(raw)))).replace("\n", " ").strip()
    except (UnicodeError, LookupError, ValueError):
        return str(raw).strip()


def _body_text(msg) -> str:
    part = msg
    if msg.is_multipart():  # a patch sent as an attachment: take the first text/x-diff or text/plain
        parts = [p for p in msg.walk() if p.get_content_maintype() == "text"]
        if not parts:
            return ""
        part = next((p for p in parts if "diff" in p.get_content_type() or "patch" in p.get_content_type()), parts[0])
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return payload.decode("utf-8", errors="replace")


def split_message(body: str) -> tuple[str, str]:
    """(commit message, diff) of a patch email body."""
    m = DIFF_START.search(body)
    if not m:
        return body, ""
    head = body[: m.start()]
    # format-patch puts "---" and a diffstat between the message and the diff.
    cut = re.search(r"^---\s*$", head, re.M)
    message = head[: cut.start()] if cut else head
    return message.strip("\n"), body[m.start():]


def trailers_of(message: str) -> list[tuple[str, str]]:
    """Key: value lines of the message's last paragraph, when every line of it is one (git's rule)."""
    paras = [p for p in re.split(r"\n\s*\n", message.strip()) if p.strip()]
    if not paras:
        return []
    lines = [ln for ln in paras[-1].splitlines() if ln.strip()]
    found = [TRAILER.match(ln) for ln in lines if not ln[:1].isspace()]
    if not found or not all(found):
        return []
    return [(m.group(1), m.group(2)) for m in found]


def clean_subject(subject: str) -> str:
    return SUBJECT_TAG.sub("", subject).strip() or subject.strip()


def patch_from_message(raw: bytes, index: int, source: str, wanted: Wanted | None) -> Patch | None:
    """A Patch, or None for a message without a diff (cover letter, reply)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = _header(msg, "Subject")
    body = _body_text(msg)
    message, diff = split_message(body)
    if not diff.strip():
        return None
    patchset, others = parse_diff(diff, f"{source} ({clean_subject(subject) or 'message ' + str(index)})", wanted)
    commit = None
    first = raw.split(b"\n", 1)[0]
    m = re.match(rb"From ([0-9a-f]{40}) ", first)
    if m:
        commit = m.group(1).decode()
    return Patch(index=index, subject=clean_subject(subject), author=_header(msg, "From"), message=message,
                 commit=commit, source=source, trailers=trailers_of(message), patchset=patchset,
                 other_files=others)


def _mbox_starts(data: bytes) -> list[int]:
    """Offsets of the "From " lines that begin a message (a mail header must follow)."""
    return [m.start() for m in MBOX_FROM.finditer(data) if _looks_like_mail(data[m.start():m.start() + 4096].split(b"\n", 1)[-1])]


def _split_mbox(data: bytes) -> tuple[list[bytes], int]:
    """Messages of an mbox (or one format-patch file), and how many junk bytes came before the first."""
    starts = _mbox_starts(data)
    if not starts:
        return [data], 0
    bounds = starts + [len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])], starts[0]


def _looks_like_mail(chunk: bytes) -> bool:
    head = chunk.split(b"\n\n", 1)[0]
    return bool(re.search(rb"^(Subject|From|Date|Message-I[Dd]):", head, re.M))


def series_from_bytes(data: bytes, source: str, wanted: Wanted | None, first_index: int = 1,
                      require_patch: bool = True) -> Series:
    """An mbox, a format-patch file, or a bare diff (git diff > x.patch) → Series."""
    if not data.strip():
        raise PatchError(source, "empty input: no patch to check")
    if b"\x00" in data[:8192] and not (data.startswith(b"From ") or data.startswith(b"diff ")):
        raise PatchError(source, "binary data, not a patch or mbox")
    if data.lstrip()[:5] in (b"diff ", b"--- ", b"Index") or not (_mbox_starts(data) or _looks_like_mail(data)):
        text = data.decode("utf-8", errors="replace")
        if not DIFF_START.search(text):
            raise PatchError(source, "no patch found: neither a diff, a format-patch file nor an mbox")
        message, diff = split_message(text)
        patchset, others = parse_diff(diff, source, wanted)
        return Series([Patch(first_index, subject=source, message=message, source=source,
                             trailers=trailers_of(message), patchset=patchset, other_files=others)])
    chunks, junk = _split_mbox(data)
    notes = [f"{source}: {junk} bytes before the first message ignored"] if junk and data[:junk].strip() else []
    patches: list[Patch] = []
    for n, chunk in enumerate(chunks, 1):
        if not _looks_like_mail(chunk):
            notes.append(f"{source}: message {n} has no mail headers; skipped")
            continue
        patch = patch_from_message(chunk, first_index + len(patches), source, wanted)
        if patch is None:
            subject = _header(email.message_from_bytes(chunk, policy=email.policy.compat32), "Subject")
            pos = SERIES_POS.search(subject)
            what = "cover letter" if pos and pos.group(1).strip("0") == "" else "message without a diff"
            notes.append(f"{source}: {what} '{subject}' skipped")
            continue
        patches.append(patch)
    if not patches and require_patch:
        raise PatchError(source, "no patch found" + (f" ({notes[-1].split(': ', 1)[1]})" if notes else ""))
    return Series(patches, notes)


def series_from_files(files: list[str], wanted: Wanted | None, stdin: bytes | None = None) -> Series:
    """format-patch files, mboxes, or '-' for standard input, in the order given."""
    patches, notes = [], []
    for name in files:
        data = stdin if name == "-" else _read_file(name)
        part = series_from_bytes(data or b"", "<stdin>" if name == "-" else name, wanted, len(patches) + 1,
                                 require_patch=len(files) == 1)
        patches += part.patches
        notes += part.notes
    if not patches:
        raise PatchError(", ".join(files), "no patch found" + (f" ({notes[-1].split(': ', 1)[1]})" if notes else ""))
    return Series(patches, notes)


def _read_file(name: str) -> bytes:
    try:
        with open(name, "rb") as fh:
            return fh.read()
    except IsADirectoryError:
        raise PatchError(name, "is a directory, not a patch file") from None
    except OSError as exc:
        raise PatchError(name, f"cannot read: {exc.strerror or exc}") from None
