"""Find raw sources: walk raw/, skip what cannot be ingested (with a one-line reason), hash the rest."""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from kwiki.errors import KwikiError, UsageError
from kwiki.readers import READERS, UnreadableDocument
from kwiki.state import SourceRecord

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
# a byte-order mark names its encoding; UTF-32 LE starts with UTF-16 LE's mark, so it is tried first
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# characters that would break a line or reorder what is shown around them: escaped wherever a name is displayed
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# control characters (Unicode category Cc), line and paragraph separators (Zl, Zp), surrogates (Cs), bidi controls
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + "".join(sorted(_BIDI)) + "]")
_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte of a name that is not UTF-8 (os.fsdecode's surrogateescape)
_KINDS = (
    (stat.S_ISFIFO, "named pipe (FIFO)"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


@dataclass(frozen=True)
class RawFile:
    """A source that can be ingested; `rel` is its posix path relative to raw/."""

    rel: str
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str

    @property
    def shown(self) -> str:
        return shown_name(self.path)


@dataclass(frozen=True)
class Discovery:
    found: tuple[RawFile, ...]
    skipped: tuple[Skipped, ...]
    scope: tuple[str, ...]  # raw-relative prefixes searched ("" = all of raw/)


def check_raw(raw: Path) -> None:
    """raw/ must be a folder kwiki can list. A missing one, or a link to a drive that is not mounted, is an error:
    read as an empty raw/, it would delete every source's pages."""
    try:
        os.scandir(raw).close()
    except OSError as err:
        if raw.is_symlink() and not raw.exists():
            problem = f"raw/ links to {os.readlink(raw)}, which does not exist"
        elif not raw.exists():
            problem = "raw/ is missing"
        else:
            problem = f"raw/ cannot be listed ({err.strerror})"
        raise UsageError(
            f"{problem}; nothing was ingested or deleted",
            "mount the drive or folder that holds your sources, or create raw/ (kwiki init does)",
        ) from None


def resolve_targets(raw: Path, targets: list[Path]) -> list[Path]:
    """The given paths as absolute paths inside raw/ (all of raw/ when none); anything else is a usage error."""
    check_raw(raw)
    if not targets:
        return [raw]
    resolved = []
    root = raw.resolve()
    for target in targets:
        absolute = target.absolute()
        if not absolute.exists():
            raise UsageError(f"{target} does not exist", "give a file or folder under raw/")
        if not Path(os.path.realpath(absolute)).is_relative_to(root):
            raise UsageError(f"{target} is outside raw/", f"kwiki ingests only files under {raw}")
        resolved.append(absolute)
    return resolved


def discover(raw: Path, targets: list[Path], known: Mapping[str, SourceRecord], max_bytes: int) -> Discovery:
    """Every entry under the targets, found or skipped; a file whose size and mtime match its record is not read."""
    found: list[RawFile] = []
    unlisted: dict[str, str] = {}
    root = raw.resolve()
    entries = _entries(raw, targets, unlisted)
    skipped = [Skipped(os.path.relpath(path, raw).replace(os.sep, "/"), why) for path, why in unlisted.items()]
    for path, rel, entry in entries:
        reason, info = _skip_reason(path, rel, entry, root, max_bytes)
        if reason or info is None:
            skipped.append(Skipped(rel, reason))
            continue
        record = known.get(rel)
        if record and record.size == info.st_size and record.mtime_ns == info.st_mtime_ns:
            found.append(RawFile(rel, info.st_size, info.st_mtime_ns, record.sha256))
            continue
        content_reason, sha = _inspect(path, suffix=_suffix(path))
        if content_reason:
            skipped.append(Skipped(rel, content_reason))
        else:
            found.append(RawFile(rel, info.st_size, info.st_mtime_ns, sha))
    scope = tuple(_scope(raw, t) for t in targets)
    return Discovery(tuple(found), tuple(skipped), scope)


def shown_name(name: str) -> str:
    """`name` safe to show on one line: control and bidi characters (and undecodable bytes) escaped."""
    return _UNSAFE.sub(lambda match: _escaped(match.group()), name)


def _escaped(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii") if code < 0x10000 else f"\\U{code:08x}"


def in_scope(rel: str, scope: tuple[str, ...]) -> bool:
    return any(prefix == "" or rel == prefix or rel.startswith(prefix + "/") for prefix in scope)


def _scope(raw: Path, target: Path) -> str:
    rel = target.relative_to(raw).as_posix() if target.is_relative_to(raw) else ""
    return "" if rel == "." else rel


# skip reasons of a file that is there but cannot be read just now: its pages are kept (plan.plan_sources)
UNREADABLE_NOW = ("cannot be read", "folder cannot be listed", "dangling symlink")
Entry = tuple[str, str, "os.DirEntry[str] | None"]  # (path, raw-relative posix path, its directory entry if walked)


def _entries(raw: Path, targets: list[Path], unlisted: dict[str, str]) -> list[Entry]:
    """The entries to consider, in path order: files, links and odd entries; a hidden entry is listed, not entered.

    Walked with `os.scandir` on strings: a directory entry knows its type, and its `lstat` is made once (tens of
    thousands of sources are listed on every run, a no-op one included).
    """
    prefix = str(raw) + os.sep
    entries: dict[str, os.DirEntry[str] | None] = {}
    for target in targets:
        if target.is_dir():
            _scan(str(target), entries, unlisted)
        else:
            entries[str(target)] = None
    ordered = list(entries)  # one folder is walked in path order already; several targets are merged here
    if len(targets) > 1:
        ordered.sort(key=lambda path: path.split(os.sep))  # the order of pathlib's parts, as before
    return [(p, p[len(prefix) :] if p.startswith(prefix) else os.path.basename(p), entries[p]) for p in ordered]


def _scan(folder: str, out: dict[str, os.DirEntry[str] | None], unlisted: dict[str, str]) -> None:
    """Add `folder`'s entries to `out` in path order, descending into real folders that are not hidden; a folder
    that cannot be listed goes to `unlisted`, with why (its sources are kept, not taken for deleted)."""
    try:
        with os.scandir(folder) as listing:
            children = sorted(listing, key=lambda entry: entry.name)
    except OSError as err:
        unlisted[folder] = f"folder cannot be listed ({err.strerror}); its sources are kept as they were"
        return
    for entry in children:
        if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
            _scan(entry.path, out, unlisted)
        else:
            out[entry.path] = entry


def _skip_reason(
    path: str, rel: str, entry: os.DirEntry[str] | None, root: Path, max_bytes: int
) -> tuple[str, os.stat_result | None]:
    """(reason to skip, the file's stat): the type is checked before anything is opened, so nothing blocks."""
    if rel.startswith(".") or "/." in rel:  # a part of the path starts with a dot
        return ("hidden folder" if os.path.isdir(path) else "hidden file"), None
    if not rel.isascii() and _UNDECODED.search(rel):
        return "file name is not valid UTF-8 (rename the file)", None
    try:
        info = entry.stat(follow_symlinks=False) if entry is not None else os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            info = _follow(path, root)
    except KwikiError as err:
        return err.message, None
    except OSError as err:
        return f"cannot be read ({err.strerror})", None
    return _kind_reason(entry.name if entry is not None else path, info, max_bytes), info


def _follow(path: str, root: Path) -> os.stat_result:
    """The stat of a symlink's target inside raw/; a KwikiError says why the link cannot be ingested."""
    try:
        info = os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise KwikiError("symlink loop (the link leads back to itself)") from None
        if err.errno == errno.ENOENT:
            raise KwikiError("dangling symlink (its target does not exist)") from None
        raise
    if not Path(os.path.realpath(path)).is_relative_to(root):
        raise KwikiError("symlink that leads outside raw/")
    return info


def _kind_reason(name: str, info: os.stat_result, max_bytes: int) -> str:
    """Why an entry (its `name`, or path) of this type, extension or size cannot be ingested; "" when it can."""
    if stat.S_ISDIR(info.st_mode):
        return "symlinked folder (kwiki does not follow folder links)"
    for test, kind in () if stat.S_ISREG(info.st_mode) else _KINDS:
        if test(info.st_mode):
            return f"{kind}, not a regular file"
    suffix = _suffix(name)
    if suffix not in TEXT_SUFFIXES and suffix not in HTML_SUFFIXES and suffix not in READERS:
        kinds = ".md .markdown .txt .html .htm .pdf .docx .epub"
        return f"unsupported file type '{suffix or 'no extension'}' (kwiki reads {kinds})"
    if info.st_size > max_bytes:
        mb = info.st_size / 1_000_000
        return f"too large ({mb:.1f} MB > {max_bytes / 1_000_000:g} MB); raise max_source_mb in kwiki.toml"
    return ""


def _suffix(path: str) -> str:
    """The extension as `Path.suffix` has it (none for `.md` or `notes.`), lowercased."""
    name = path[path.rfind(os.sep) + 1 :]
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def _inspect(path: str, suffix: str) -> tuple[str, str]:
    """(skip reason, sha256): reads the bytes once, read-only."""
    try:
        data = read_bytes(path)
    except KwikiError as err:
        return err.message, ""
    sha = hashlib.sha256(data).hexdigest()
    if suffix in READERS:
        try:
            READERS[suffix](data)
        except UnreadableDocument as err:
            return err.message, sha
        return "", sha
    text, reason = decode(data)
    if reason:
        return reason, sha
    if not to_plain_text(text, suffix).strip():
        return "empty or whitespace-only", sha
    return "", sha


def read_bytes(path: str | Path) -> bytes:
    """A regular file's bytes, opened read-only and non-blocking (a FIFO swapped in meanwhile cannot hang us)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise KwikiError(f"cannot be read ({err.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise KwikiError("not a regular file")
        try:
            return handle.read()
        except OSError as err:
            raise KwikiError(f"cannot be read ({err.strerror})") from None


def decode(data: bytes) -> tuple[str, str]:
    """(text, "") or ("", why it is not text): UTF-8, or UTF-16/32 when a byte-order mark says so."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as err:
                return "", f"not valid {codec.upper().removesuffix('-SIG')} text (byte {err.start})"
            return ("", "binary file") if "\0" in text[:8192] else (text, "")
    if b"\0" in data[:8192]:
        return "", "binary file"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError as err:
        return "", f"not valid UTF-8 text (byte {err.start})"


def read_source(raw: Path, rel: str) -> str:
    """The source's text, HTML reduced to its readable text; raw/ is opened read-only."""
    path = raw / rel
    data = read_bytes(path)
    if path.suffix.lower() in READERS:
        return READERS[path.suffix.lower()](data)
    text, reason = decode(data)
    if reason:
        raise KwikiError(f"raw/{shown_name(rel)}: {reason}", "it changed since kwiki looked; run the command again")
    return to_plain_text(text, path.suffix.lower())


def to_plain_text(text: str, suffix: str) -> str:
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if suffix not in HTML_SUFFIXES:
        return text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return parser.text()


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page, one block per line; script and style dropped; <title> becomes a heading."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6"})
    HIDDEN = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag in self.BLOCKS or tag == "title":
            self._parts.append("\n\n")
            if tag[0] == "h" and tag[1:].isdigit():
                self._parts.append("#" * int(tag[1:]) + " ")
            elif tag == "title":
                self._parts.append("# ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self.BLOCKS or tag == "title":
            self._parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self._parts).split("\n"))
        out: list[str] = []
        for line in lines:
            if line or (out and out[-1]):
                out.append(line)
        return "\n".join(out).strip() + "\n"
