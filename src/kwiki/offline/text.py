"""Source text → Document: frontmatter, headings and sentences that keep their exact span in the source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kwiki.offline.lexicon import ABBREVIATIONS, INJECTION, INJECTION_HINTS, MONTHS_DE, MONTHS_EN

WORD = re.compile(r"[^\W\d_](?:[\w'’.-]*[^\W_])?")
NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")

_FRONTMATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX = re.compile(r"[ ]{0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_HTML_HEADING = re.compile(r"\s*<(h[1-6])\b[^>]*>(.*?)</\1>\s*$", re.IGNORECASE)
_SPEAKER = re.compile(r"(?:[A-Z][\w.’'-]*\s){0,3}[A-Z][\w.’'-]*:\s+(?=\S)")
_FIELD = re.compile(r"\s*[\w][\w ]{0,24}:\s")
_SETEXT = re.compile(r"[ ]{0,3}(?:=+|-+)[ \t]*$")
_FENCE = re.compile(r"[ ]{0,3}(```|~~~)")
_LIST = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_QUOTE = re.compile(r"[ ]{0,3}(?:>[ \t]?)+")
_STRUCTURAL = re.compile(r"[ \t]*(?:\||<!--|-{3,}\s*$|\*{3,}\s*$|_{3,}\s*$)")
_LEAD_TAGS = re.compile(r"(?:\s*<[^<>]{1,200}>)+\s*")
_TRAIL_TAGS = re.compile(r"\s*(?:<[^<>]{1,200}>\s*)+\Z")
_HTML_TITLE = re.compile(r"<(title|h1)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]*_]*(?=\s+\S)")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]*_]*$")

_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[\[[^\]|]+\|([^\]]+)\]\]"), r"\1"),
    (re.compile(r"\[\[([^\]]+)\]\]"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[\^[^\]]+\]|<[^<>]{1,200}>"), ""),
    (re.compile(r"\*\*|__|~~|==|`|(?<![\w*])[*_](?=\S)|(?<=\S)[*_](?![\w*])"), ""),
    (re.compile(r"\s+"), " "),
)
_MARKUP_CHARS = re.compile(r"[\[\]*_`<~=]")
_MONTH_NAMES = "|".join(sorted(MONTHS_EN, key=len, reverse=True))
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]|20)\d\d(?!\d)")
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")
# Written dates end with their year: each pattern is tried on the text just before a year.
_WRITTEN = (
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH_NAMES})\.?,?\s+(?P<y>\d{{4}})$", re.I),
    re.compile(rf"\b(?P<mon>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})$", re.I),
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\.\s*(?P<mon>{'|'.join(MONTHS_DE)})\s+(?P<y>\d{{4}})$", re.I),
)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the source; `source[start:end]` is its exact text, `text` the readable form."""

    start: int
    end: int
    text: str
    block: int
    complete: bool  # ends like a sentence (not a caption, label or fragment)


@dataclass(frozen=True)
class Document:
    source: str
    meta: dict[str, str]
    body_start: int  # where the text after the frontmatter begins
    headings: tuple[str, ...]  # markdown headings, in order
    plain_headings: tuple[str, ...]  # short stand-alone lines without final punctuation
    html_title: str
    sentences: tuple[Sentence, ...]

    def quote(self, sentence: Sentence) -> str:
        return self.source[sentence.start : sentence.end]


def clean_inline(text: str) -> str:
    """Readable text of a markdown/HTML fragment: links become their text, markup goes."""
    if not _MARKUP_CHARS.search(text):
        return " ".join(text.split())
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text.strip()


def parse(source: str) -> Document:
    meta, body_start = _frontmatter(source)
    headings: list[str] = []
    units = _units(source, body_start, headings)
    sentences: list[Sentence] = []
    plain: list[str] = []
    for block, (start, end) in enumerate(_trim_tags(source, unit) for unit in units):
        text = source[start:end]
        if _is_label(text):
            plain.append(clean_inline(text))
            continue
        sentences.extend(_split(source, start, end, block))
    title = _HTML_TITLE.search(source)
    html_title = clean_inline(title.group(2)) if title else ""
    return Document(source, meta, body_start, tuple(headings), tuple(plain), html_title, tuple(sentences))


def _is_label(text: str) -> bool:
    """A one-line unit without final punctuation that is short or in Title Case: a heading, caption or label."""
    if "\n" in text or _TERMINAL.search(text):
        return False
    words = text.split()
    long_words = [w for w in words if len(w) > 3]
    return len(words) <= 14 or sum(w[0].isupper() for w in long_words) >= 0.7 * len(long_words)


def _frontmatter(source: str) -> tuple[dict[str, str], int]:
    match = _FRONTMATTER.match(source)
    if not match:
        return {}, 0
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "-")):
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, match.end()


def _units(source: str, offset: int, headings: list[str]) -> list[tuple[int, int]]:
    """Spans of paragraphs, list items and quote lines; code, tables and headings are left out."""
    units: list[tuple[int, int]] = []
    current: list[int] = []  # [start, end] of the unit being built
    in_code = False
    for line in source[offset:].splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        text = line.rstrip("\r\n")
        if _FENCE.match(text):
            in_code, current = not in_code, _close(units, current)
        elif in_code:
            continue
        elif current and _SETEXT.match(text) and "\n" not in source[current[0] : current[1]]:
            headings.append(clean_inline(source[current[0] : current[1]]))
            current = []
        elif not text.strip() or _STRUCTURAL.match(text):
            current = _close(units, current)
        elif heading := _ATX.match(text) or _HTML_HEADING.match(text):
            current = _close(units, current)
            headings.append(clean_inline(heading.group(2)))
        else:
            current = _extend(units, current, source, start, text)
    _close(units, current)
    return units


def _extend(units: list[tuple[int, int]], current: list[int], source: str, start: int, text: str) -> list[int]:
    marker = _LIST.match(text) or _QUOTE.match(text)
    if current and not marker and _continues(source[current[0] : current[1]], text):
        return [current[0], start + len(text)]
    _close(units, current)
    skip = marker.end() if marker else len(text) - len(text.lstrip())
    return [start + skip, start + len(text)]


def _continues(previous: str, line: str) -> bool:
    """A hard-wrapped line continues the paragraph; scraped one-paragraph-per-line text and HTML blocks do not."""
    last = previous.rsplit("\n", 1)[-1].rstrip()
    if _TERMINAL.search(last) or last.endswith(">") or line.lstrip().startswith("<"):
        return False
    first = line.lstrip()[:1]
    return first.islower() or (len(last) >= 60 and not _FIELD.match(line))


def _close(units: list[tuple[int, int]], current: list[int]) -> list[int]:
    if current:
        units.append((current[0], current[1]))
    return []


def _trim_tags(source: str, span: tuple[int, int]) -> tuple[int, int]:
    """Without the HTML tags that open or close the unit (`<p>…</p>`)."""
    start, end = span
    if source.startswith("<", start) and (lead := _LEAD_TAGS.match(source, start, end)):
        start = lead.end()
    if source[end - 1 : end] == ">" and (trail := _TRAIL_TAGS.search(source[start:end])):
        end = start + trail.start()
    return start, end


def _split(source: str, start: int, end: int, block: int) -> list[Sentence]:
    unit = source[start:end]
    sentences: list[Sentence] = []
    cursor = 0
    for match in _BOUNDARY.finditer(unit):
        if _is_boundary(unit, match.start(), match.end()):
            sentences.extend(_sentence(source, start + cursor, start + match.end(), block))
            cursor = match.end()
    sentences.extend(_sentence(source, start + cursor, end, block))
    return sentences


def _is_boundary(unit: str, dot: int, after: int) -> bool:
    following = unit[after:].lstrip()[:12]
    if not following or not (following[0].isupper() or following[0].isdigit() or following[0] in "\"'“‘([*_"):
        return False
    if unit[dot] != ".":
        return True
    words = unit[max(0, dot - 16) : dot].rsplit(None, 1)
    before = words[-1].lstrip("(\"'“").lower() if words else ""
    if before in ABBREVIATIONS or (len(before) == 1 and before.isalpha()):
        return False
    word = following.split(None, 1)[0].strip(".,").lower()
    return not (before.isdigit() and len(before) <= 2 and (word in MONTHS_DE or word in MONTHS_EN))


def _sentence(source: str, start: int, end: int, block: int) -> list[Sentence]:
    raw = source[start:end]
    start += len(raw) - len(raw.lstrip())
    end -= len(raw) - len(raw.rstrip())
    if end <= start:
        return []
    if speaker := _SPEAKER.match(source, start, end):  # "JONAS REINHARDT: …", "Farid: …" in transcripts
        start = speaker.end()
    raw = source[start:end]
    if injected(raw):
        return []
    return [Sentence(start, end, clean_inline(raw), block, bool(_TERMINAL.search(raw)))]


def find_date(text: str) -> str:
    """The first valid date written in `text` (ISO, "14 March 2025", "March 14, 2025", "14. März 2025")."""
    for year in _YEAR.finditer(text):
        iso = _ISO.match(text, year.start())
        if iso and (found := _valid_date(iso)):
            return found
        window = text[max(0, year.start() - 24) : year.end()]
        for pattern in _WRITTEN:
            if (match := pattern.search(window)) and (found := _valid_date(match)):
                return found
    return ""


def _valid_date(match: re.Match[str]) -> str | None:
    parts = match.groupdict()
    month_name = (parts.get("mon") or "").lower()
    month = MONTHS_EN.get(month_name) or MONTHS_DE.get(month_name) or int(parts.get("m") or 0)
    try:
        return date(int(parts["y"]), month, int(parts["d"])).isoformat()
    except ValueError:
        return None


def injected(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in INJECTION_HINTS) and INJECTION.search(text) is not None


def content_words(text: str, stop: frozenset[str]) -> set[str]:
    return {w for w in (m.lower() for m in WORD.findall(text)) if w not in stop and len(w) > 2}


def contradiction(a: str, b: str, stop: frozenset[str]) -> str:
    """Why two statements contradict when they share most words but give different numbers, else ""."""
    raw_a, raw_b = NUMBER.findall(a), NUMBER.findall(b)
    norm_a, norm_b = [_number(n) for n in raw_a], [_number(n) for n in raw_b]
    if not raw_a or not raw_b or sorted(norm_a) == sorted(norm_b):
        return ""
    words_a, words_b = content_words(a, stop), content_words(b, stop)
    # the shorter statement must be (nearly) contained in the longer: "held about 90,000 notes, according to
    # the archive's count" still contradicts "held about 70,000 notes"
    shorter = min(len(words_a), len(words_b))
    if shorter < 4 or len(words_a & words_b) < 0.75 * shorter:
        return ""
    only_a = [r for r, n in zip(raw_a, norm_a, strict=True) if n not in norm_b] or raw_a
    only_b = [r for r, n in zip(raw_b, norm_b, strict=True) if n not in norm_a] or raw_b
    return f"The statements match except for their numbers: {', '.join(only_a)} vs {', '.join(only_b)}."


def _number(text: str) -> str:
    return text.replace(",", "").rstrip(".")
