"""Find raw sources: walk raw/, skip what cannot be ingested (with a one-line reason), hash the rest."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from kwiki.errors import UsageError
from kwiki.readers import READERS, UnreadableDocument
from kwiki.state import SourceRecord

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm"})


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


@dataclass(frozen=True)
class Discovery:
    found: tuple[RawFile, ...]
    skipped: tuple[Skipped, ...]
    scope: tuple[str, ...]  # raw-relative prefixes searched ("" = all of raw/)


def resolve_targets(raw: Path, targets: list[Path]) -> list[Path]:
    """The given paths as absolute paths inside raw/ (all of raw/ when none); anything else is a usage error."""
    if not targets:
        return [raw]
    resolved = []
    root = raw.resolve()
    for target in targets:
        absolute = target.absolute()
        if not absolute.exists():
            raise UsageError(f"{target} does not exist", "give a file or folder under raw/")
        if not absolute.resolve().is_relative_to(root):
            raise UsageError(f"{target} is outside raw/", f"kwiki ingests only files under {raw}")
        resolved.append(absolute)
    return resolved


def discover(raw: Path, targets: list[Path], known: Mapping[str, SourceRecord], max_bytes: int) -> Discovery:
    found: list[RawFile] = []
    skipped: list[Skipped] = []
    root = raw.resolve()
    for path in sorted(set(_walk(targets))):
        rel = path.relative_to(raw).as_posix() if path.is_relative_to(raw) else path.name
        reason = _skip_reason(path, rel, root, max_bytes)
        if reason:
            skipped.append(Skipped(rel, reason))
            continue
        stat = path.stat()
        record = known.get(rel)
        if record and record.size == stat.st_size and record.mtime_ns == stat.st_mtime_ns:
            found.append(RawFile(rel, stat.st_size, stat.st_mtime_ns, record.sha256))
            continue
        content_reason, sha = _inspect(path, suffix=path.suffix.lower())
        if content_reason:
            skipped.append(Skipped(rel, content_reason))
        else:
            found.append(RawFile(rel, stat.st_size, stat.st_mtime_ns, sha))
    scope = tuple(_scope(raw, t) for t in targets)
    return Discovery(tuple(found), tuple(skipped), scope)


def in_scope(rel: str, scope: tuple[str, ...]) -> bool:
    return any(prefix == "" or rel == prefix or rel.startswith(prefix + "/") for prefix in scope)


def _scope(raw: Path, target: Path) -> str:
    rel = target.relative_to(raw).as_posix() if target.is_relative_to(raw) else ""
    return "" if rel == "." else rel


def _walk(targets: list[Path]) -> Iterator[Path]:
    for target in targets:
        if not target.is_dir():
            yield target
            continue
        for folder, dirs, files in os.walk(target):
            base = Path(folder)
            yield from (base / d for d in dirs if d.startswith("."))
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            yield from (base / name for name in files)
            # os.walk does not descend into symlinked folders; report them instead of silently ignoring
            yield from (base / d for d in dirs if (base / d).is_symlink())


def _skip_reason(path: Path, rel: str, root: Path, max_bytes: int) -> str:
    if any(part.startswith(".") for part in Path(rel).parts):
        return "hidden folder" if path.is_dir() else "hidden file"
    if path.is_symlink() and not path.resolve().is_relative_to(root):
        return "symlink that leads outside raw/"
    if path.is_dir():
        return "symlinked folder (kwiki does not follow folder links)"
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | READERS.keys():
        kinds = ".md .markdown .txt .html .htm .pdf .docx .epub"
        return f"unsupported file type '{suffix or 'no extension'}' (kwiki reads {kinds})"
    size = path.stat().st_size
    if size > max_bytes:
        mb = size / 1_000_000
        return f"too large ({mb:.1f} MB > {max_bytes / 1_000_000:g} MB); raise max_source_mb in kwiki.toml"
    return ""


def _inspect(path: Path, suffix: str) -> tuple[str, str]:
    """(skip reason, sha256): reads the bytes once, read-only."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if suffix in READERS:
        try:
            READERS[suffix](data)
        except UnreadableDocument as err:
            return err.message, sha
        return "", sha
    if b"\0" in data[:8192]:
        return "binary file", sha
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not valid UTF-8 text (byte {err.start})", sha
    if not to_plain_text(text, suffix).strip():
        return "empty or whitespace-only", sha
    return "", sha


def read_source(raw: Path, rel: str) -> str:
    """The source's text, HTML reduced to its readable text; raw/ is opened read-only."""
    path = raw / rel
    with path.open("rb") as handle:
        data = handle.read()
    if path.suffix.lower() in READERS:
        return READERS[path.suffix.lower()](data)
    return to_plain_text(data.decode("utf-8"), path.suffix.lower())


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
