"""Patch series from git (a range, one commit, the staged change), patch files, an mbox or stdin.

Every source ends as the same Series: ordered Patch objects, each with its commit id (if any),
subject, author, message, trailers and a unidiff PatchSet. Like b4, a git range is turned into
email messages (`git format-patch --stdout`) so that git, files and mboxes share one parser.

Only the files a rule looks at (profile.is_watched) are parsed hunk by hunk; the others are
counted. That keeps a 100-patch series and a 50 MB patch cheap.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Callable

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from linter.errors import PatchError
from linter.record import field, record

Wanted = Callable[[str, str], bool]   # (file name, its diff text) → parse it?

# "From 1a2b... Mon Sep 17 00:00:00 2001" (format-patch) or any mbox "From " separator line.
MBOX_FROM = re.compile(rb"^From \S+ +\S", re.M)
SUBJECT_TAG = re.compile(r"^\s*(\[[^\]]*\]\s*)+")
SERIES_POS = re.compile(r"\[[^\]]*?\b(\d+)/(\d+)\]")
ACK = re.compile(r"^(EL\d{3})\s+\S")
TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s+(.*\S)\s*$")
DIFF_START = re.compile(r"^diff --git |^--- (?:a/|/dev/null)|^Index: ", re.M)
FILE_START = re.compile(r"^diff --git ", re.M)
HUNK_HEAD = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
BINARY_DIFF = re.compile(r"^(?:Binary files .* differ|GIT binary patch)$", re.M)
# A watched file's diff bigger than this is not parsed line by line (unidiff keeps ~400 bytes a
# line): no entry file change is this big, and a 50 MB diff must not cost gigabytes.
MAX_PARSED_FILE_DIFF = 8 << 20


@record
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

    def acks(self, rule: str) -> bool:
        """Does an `Entrylint-Ack: RULE reason` trailer accept this rule's findings? (A reason is
        required: a bare id accepts nothing, and EL001 says so.)"""
        return any((m := ACK.match(v.strip())) and m.group(1) == rule for v in self.trailer_values("Entrylint-Ack"))


@record
class Series:
    patches: list[Patch]
    notes: list[str] = field(default_factory=list)   # what was skipped, and why
    repo_root: str | None = None                     # the work tree, when the series came from git
    revision: str | None = None                      # the range or commit asked for


# -- patch text → PatchSet ---------------------------------------------------------------------
def parse_diff(text: str, source: str, wanted: Wanted | None,
               notes: list[str] | None = None) -> tuple[PatchSet, list[str]]:
    """Parse the watched files of a diff; return the PatchSet and the names of the other files.

    What cannot be checked (a binary diff, a watched file's diff too big to parse) is said in
    `notes`, never passed silently."""
    notes = notes if notes is not None else []
    if "\r\n" in text and text.count("\r\n") >= text.count("\n") - 1:
        text = text.replace("\r\n", "\n")  # a mail client's line ends, not the file's
    keep, others, binary = [], [], []
    for chunk in _file_chunks(text):
        if not chunk or chunk.isspace():   # (not strip(): no copy of a 50 MB chunk)
            continue
        names = _chunk_names(chunk)
        if names and BINARY_DIFF.search(chunk):
            binary.append(names[1])
        if wanted is not None and names and not any(wanted(n, chunk) for n in names):
            others.append(names[1])
        elif names and len(chunk) > MAX_PARSED_FILE_DIFF:
            notes.append(f"{source}: the diff of {names[1]} is {len(chunk) >> 20} MB, too big to check "
                         f"line by line; not checked")
            others.append(names[1])
        else:
            keep.append(chunk)
    if binary:
        notes.append(f"{source}: binary diff of {', '.join(binary)} not checked")
    kept = "".join(keep).rstrip("\n") + "\n"  # the blank line that ends an mbox message is no hunk line
    try:
        patchset = PatchSet(kept)
    except UnidiffParseError as exc:
        raise PatchError(source, f"malformed diff: {exc} (the patch is truncated, or a hunk's line counts "
                         f"are wrong)") from None
    if keep and not patchset and not others:
        raise PatchError(source, "no diff found (not a patch?)")
    _check_truncated(patchset, source)
    _check_hunk_ends(kept, source)
    return patchset, others


def _file_chunks(text: str):
    """Each file's diff text (from its `diff --git` line to the next), or the whole text."""
    starts = [m.start() for m in FILE_START.finditer(text)]
    if not starts:
        yield text
        return
    if starts[0] > 0:
        yield text[:starts[0]]
    for a, b in zip(starts, starts[1:] + [len(text)]):
        yield text[a:b]


def _chunk_names(chunk: str) -> tuple[str, str] | None:
    """(old name, new name) from the `diff --git` line: a rename is watched if either side is."""
    m = re.match(r"diff --git (?:\"?a/)?(\S+?)\"? (?:\"?b/)?(\S+?)\"?\n", chunk)
    return (m.group(1), m.group(2)) if m else None


def _check_hunk_ends(text: str, source: str) -> None:
    """unidiff ends a hunk when its line counts are used up and drops what follows: a change line
    after that point means the hunk header's counts lie, and that change would go unchecked."""
    left = None   # [source lines, target lines] the current hunk has still to see
    where = ""
    for line in text.split("\n"):  # not splitlines(): a form feed inside a line is no line end
        head = HUNK_HEAD.match(line)
        if head:
            left = [int(head.group(1) or 1), int(head.group(2) or 1)]
            where = line[:line.index(" @@", 2) + 3]
        elif left is None or line.startswith("\\"):
            continue
        elif left != [0, 0]:
            left[0] -= line[:1] != "+"
            left[1] -= line[:1] != "-"
        elif line.startswith("diff --git "):
            left = None
        elif line[:1] in ("+", "-", " ") and line.strip() and line != "-- " and not line.startswith(("--- ", "+++ ")):
            raise PatchError(source, f"hunk {where}: its line counts are wrong (a change line follows its "
                                     f"end: {line[:40]!r})")


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
    from email.header import decode_header, make_header

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


def mail_subject(raw: bytes) -> str:
    """A mail's Subject, decoded, [PATCH n/m] tag and all; only the header is parsed."""
    import email

    cut = raw.find(b"\n\n")
    return _header(email.message_from_bytes(raw if cut < 0 else raw[:cut + 1]), "Subject")


def _message(raw: bytes):
    """The parsed message and its body text. A plain 8-bit body (what format-patch writes) is
    decoded directly: the email parser keeps a Python string per line, far too much for a 50 MB patch."""
    import email   # (here: a git range's early road reads no mail, and saves its ~10 ms import)

    cut = raw.find(b"\n\n")
    if cut >= 0:
        msg = email.message_from_bytes(raw[:cut + 1])
        encoding = str(msg.get("Content-Transfer-Encoding", "8bit")).strip().lower()
        if msg.get_content_maintype() == "text" and encoding in ("7bit", "8bit", "binary"):
            body = memoryview(raw)[cut + 2:]   # decoded in place: no copy of a big patch's bytes
            try:
                return msg, str(body, msg.get_content_charset() or "utf-8")
            except (LookupError, UnicodeDecodeError):
                return msg, str(body, "utf-8", "replace")
    msg = email.message_from_bytes(raw)
    return msg, _body_text(msg)


def patch_from_message(raw: bytes, index: int, source: str, wanted: Wanted | None,
                       notes: list[str] | None = None) -> Patch | None:
    """A Patch, or None for a message without a diff (cover letter, reply)."""
    msg, body = _message(raw)
    m = re.match(rb"From ([0-9a-f]{40}) ", raw)
    return patch_from_parts(index, _header(msg, "Subject"), _author(msg), body,
                            m.group(1).decode() if m else None, source, wanted, notes)


def _author(msg) -> str:
    """'Name <address>', unquoted: the same text whether the name came through a mail header or
    straight from git (gitearly.py)."""
    from email.utils import parseaddr

    return format_author(*parseaddr(_header(msg, "From")))


def format_author(name: str, address: str) -> str:
    return f"{name} <{address}>" if name and address else name or address


def patch_from_parts(index: int, subject: str, author: str, body: str, commit: str | None, source: str,
                     wanted: Wanted | None, notes: list[str] | None) -> Patch | None:
    """A Patch from a mail's (or a commit's) subject, author and body (message, then the diff)."""
    message, diff = split_message(body)
    del body  # a big patch: keep one copy of its text, not two
    if not diff or diff.isspace():
        return None
    patchset, others = parse_diff(diff, f"{source} ({clean_subject(subject) or 'message ' + str(index)})", wanted, notes)
    return Patch(index=index, subject=clean_subject(subject), author=author, message=message,
                 commit=commit, source=source, trailers=trailers_of(message), patchset=patchset,
                 other_files=others)


def _mbox_starts(data: bytes) -> list[int]:
    """Offsets of the "From " lines that begin a message (a mail header must follow)."""
    return [m.start() for m in MBOX_FROM.finditer(data) if _looks_like_mail(data[m.start():m.start() + 4096].split(b"\n", 1)[-1])]


def _split_mbox(data: bytes, starts: list[int]) -> tuple[list[bytes], int]:
    """Messages of an mbox (or one format-patch file) given its _mbox_starts(), and how many junk
    bytes came before the first."""
    if not starts:
        return [data], 0
    bounds = starts + [len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])], starts[0]


def _looks_like_mail(chunk: bytes) -> bool:
    cut = chunk.find(b"\n\n")
    head = chunk if cut < 0 else chunk[:cut]   # (not split(): no copy of a big message's body)
    return bool(re.search(rb"^(Subject|From|Date|Message-I[Dd]):", head, re.M))


def series_from_bytes(data: bytes, source: str, wanted: Wanted | None, first_index: int = 1,
                      require_patch: bool = True) -> Series:
    """An mbox, a format-patch file, or a bare diff (git diff > x.patch) → Series."""
    if not data or data.isspace():   # (not strip(): no copy of a 50 MB input)
        raise PatchError(source, "empty input: no patch to check")
    if b"\x00" in data[:8192] and not (data.startswith(b"From ") or data.startswith(b"diff ")):
        raise PatchError(source, "binary data, not a patch or mbox")
    bare_diff = data.lstrip()[:5] in (b"diff ", b"--- ", b"Index")
    starts = [] if bare_diff else _mbox_starts(data)   # found once: _split_mbox() takes them too
    if bare_diff or not (starts or _looks_like_mail(data)):
        text = data.decode("utf-8", errors="replace")
        if not DIFF_START.search(text):
            raise PatchError(source, "no patch found: neither a diff, a format-patch file nor an mbox")
        message, diff = split_message(text)
        notes: list[str] = []
        patchset, others = parse_diff(diff, source, wanted, notes)
        return Series([Patch(first_index, subject=source, message=message, source=source,
                             trailers=trailers_of(message), patchset=patchset, other_files=others)], notes)
    chunks, junk = _split_mbox(data, starts)
    notes = [f"{source}: {junk} bytes before the first message ignored"] if junk and data[:junk].strip() else []
    patches: list[Patch] = []
    for n, chunk in enumerate(chunks, 1):
        if not _looks_like_mail(chunk):
            notes.append(f"{source}: message {n} has no mail headers; skipped")
            continue
        patch = patch_from_message(chunk, first_index + len(patches), source, wanted, notes)
        if patch is None:
            subject = mail_subject(chunk)
            pos = SERIES_POS.search(subject)
            what = "cover letter" if pos and pos.group(1).strip("0") == "" else "message without a diff"
            notes.append(f"{source}: {what} '{subject}' skipped")
            continue
        patches.append(patch)
    if not patches and require_patch:
        raise _no_patch(source, notes)
    return Series(patches, notes)


def series_from_staged_diff(diff: str, repo_root: str | None, wanted: Wanted | None) -> Series:
    """The staged change (`git diff --cached` against HEAD) as a one-patch Series."""
    series = Series([], repo_root=repo_root, revision=":staged")
    if not diff.strip():
        series.notes.append("nothing staged")
        return series
    patchset, others = parse_diff(diff, "staged change", wanted, series.notes)
    series.patches.append(Patch(index=1, subject="staged change", source="index", patchset=patchset,
                                other_files=others))
    return series


def merge_notes(rev_list_parents: str) -> tuple[list[str], int]:
    """Notes on the merge commits of a `git rev-list --parents` listing, and how many commits are no merge."""
    commits = [ln.split() for ln in rev_list_parents.splitlines() if ln.strip()]
    notes = [f"merge commit {fields[0][:12]} skipped (a series is checked commit by commit)"
             for fields in commits if len(fields) > 2]
    return notes, sum(1 for fields in commits if len(fields) <= 2)


def _no_patch(source: str, notes: list[str]) -> PatchError:
    """"no patch found", with the last note's reason (a cover letter, no mail headers) when there is one."""
    return PatchError(source, "no patch found" + (f" ({notes[-1].split(': ', 1)[1]})" if notes else ""))


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
        raise _no_patch(", ".join(files), notes)
    return Series(patches, notes)


def _read_file(name: str) -> bytes:
    try:
        # O_NONBLOCK so that opening a FIFO nobody writes to does not hang; reads block again after.
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(fd, True)
        with open(fd, "rb") as fh:
            data = fh.read()
            if not data and stat.S_ISFIFO(os.fstat(fd).st_mode):
                raise PatchError(name, "a FIFO with no writer: nothing to read")
            return data
    except IsADirectoryError:
        raise PatchError(name, "is a directory, not a patch file") from None
    except OSError as exc:
        raise PatchError(name, f"cannot read: {exc.strerror or exc}") from None
