"""The one gate for model text: every string a model writes passes here, by kind of field, before it reaches a page.

One-line fields (titles, names, aliases, tags, summary lines, language, dates) carry no links, URLs, HTML or
structure and are bounded. Prose (a source summary, claim statements, descriptions, contradiction text) keeps its
wikilinks only where they resolve, its URLs only where a source holds them, and no structure that could break out
of its place on the page. Page bodies may carry headings and lists, never HTML, foreign URLs or a fence left open.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from kwiki.markdown import Link, replace_wikilinks
from kwiki.markdown.fences import CODE_SPAN, FENCE, in_code

Resolver = Callable[[str], str | None]  # link target → the basename it opens now, or None (no such page)
VERSION = 3  # of these rules: a note stored under another version is gated again when read back

MAX_TITLE = 120
MAX_NAME = 100  # a mention's name, a claim's subject
MAX_ALIAS = 80
MAX_ALIASES = 12
MAX_TAG = 40
MAX_TAGS = 8
MAX_LINE = 200  # a summary line in frontmatter or index.md
MAX_DESCRIPTION = 300
MAX_STATEMENT = 600
MAX_QUOTE = 600  # a longer quote is dropped, never cut: a cut quote would no longer be verbatim
MAX_SUMMARY = 3_000
MAX_ANSWER = 20_000  # a query answer: its 2,048 tokens of text, with room

_WIKILINK = re.compile(r"!?\[\[([^\[\]\n]*)\]\]")
# `https:host/x` without the slashes is a URL too: a browser (and so Obsidian) reads it as `https://host/x`
_URL = re.compile(r"https?:[^\s)\]>\"'<]+(?<![.,;:!?])", re.IGNORECASE)
# `[p]: https:…` makes `![x][p]` an image (and `[x][p]` a link) that no inline check sees; `[INFO]: text`, a
# footnote `[^1]:` and lines of code stay
_REFERENCE_DEFINITION = re.compile(r" {0,3}\[(?!\^)[^\]\n]*\]:\s*<?(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\s]*)[^)\n]*\)")
_MD_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(([^)\s]*)[^)\n]*\)")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HTML_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>")
_HTML_IMG = re.compile(r"<img\b[^>\n]*>?", re.IGNORECASE)
_HTML_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_CALLOUT = re.compile(r"\[![^\]\n]*\][+-]?")
_LINE_LEAD = re.compile(r"^(?:[\s#>=|]|[-*+](?=\s|$))+")  # what would make a line a heading, quote or list item
_HEADING = re.compile(r"^\s{0,3}#{1,6}(?=\s|$)\s*")
_RULE = re.compile(r"^\s{0,3}([-=_*~`])(\s*\1){2,}\s*$")
# Invisible characters: a soft hyphen (HTML `&shy;`, common on German sites and in PDF text), a zero-width space, a
# word joiner, a byte-order mark, invisible operators and deprecated format characters, interlinear annotation
# marks, and Unicode's tag characters (U+E0000-E007F: "ASCII smuggling" writes a whole hidden instruction in them,
# which no reader sees and a model reading the wiki does). `Zettel\u00adkasten` looks like Zettelkasten, so names,
# slugs and quote checks must not see them either. The joiners that shape Persian and Indic script and emoji
# (U+200C, U+200D) are not among them; subdivision flags (which use tags) lose their region.
_INVISIBLE_RANGES = ((0xAD, 0xAD), (0x200B, 0x200B), (0x2060, 0x2064), (0x206A, 0x206F), (0xFEFF, 0xFEFF),
                     (0xFFF9, 0xFFFB), (0xE0000, 0xE007F))  # fmt: skip
INVISIBLE = "".join(chr(code) for first, last in _INVISIBLE_RANGES for code in range(first, last + 1))
# as ranges: a character class of 128 separate characters above U+FFFF is tested one by one, on every character
_INVISIBLE_CLASS = "".join(
    chr(first) if first == last else f"{chr(first)}-{chr(last)}" for first, last in _INVISIBLE_RANGES
)
# Control characters a terminal obeys (ESC sequences recolour, retitle or clear it) or an editor hides; tab and
# newline stay where a field may hold them. Bidi embeddings, overrides and isolates reorder the text after them on
# screen (`Invoice\u202efdp.exe` shows as `Invoiceexe.pdf`): a model could make a title or a claim read otherwise
# than it is. The marks that only set a direction (U+200E, U+200F, U+061C) stay: right-to-left text uses them.
_UNSHOWN = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff" + _INVISIBLE_CLASS
_CONTROL = re.compile(f"[{_UNSHOWN}]")
_PLAIN_LINE = re.compile(rf"(?![\s#>=*+-])[^<>\[\]()!%$|/:\s`~{_UNSHOWN}]*(?: [^<>\[\]()!%$|/:\s`~{_UNSHOWN}]+)*")
_PLAIN_PROSE = re.compile(rf"(?![\s#>=*+-])[^<>\[\]()!%$|/:\n\r`~\u2028\u2029{_UNSHOWN}]*")
_UNQUOTED = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'} | dict.fromkeys(INVISIBLE))
_PERCENTS = re.compile(r"%{2,}")  # `%%` opens an Obsidian comment, hiding the rest of the page: `%%%` too
_TAG_CHARS = re.compile(r"[^\w/-]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# ISO 639-1: the two-letter language codes
_ISO_639_1 = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee
    el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it
    iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my
    na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn
    so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh
    zu"""
LANGUAGES = frozenset(_ISO_639_1.split())
# words that never name a page: pronouns, articles, placeholders a model fills in when it has nothing (not nouns)
_STOPWORDS = """
    a an the it its this that these those there here you your yours i me my we us our he him his she her they
    them their what which who whom is are was be and or of to in on at by for with as not no yes none null nil na
    tbd todo unknown untitled yyyy mm dd something other others all some any etc der die das ein eine und le la
    les un une et el los las y"""
STOPWORDS = frozenset(_STOPWORDS.split()) | {"n a", "yyyy mm dd", "mm dd yyyy", "dd mm yyyy"}


def strip_foreign_urls(markdown: str, allowed_texts: Iterable[str], images: bool = False) -> str:
    """Drop links and URLs no allowed text (the page's sources) contains verbatim; images become links.

    Obsidian fetches remote images when it renders a page, so an image URL invented by a model (or planted in a
    source aimed at the model, a tracking pixel) is an exfiltration channel. `images` keeps source-held images.
    """
    markdown = _without_definitions(_HTML_IMG.sub("", markdown))
    if "](" not in markdown and not _URL.search(markdown):
        return markdown
    allowed = frozenset().union(*(_urls_in(text) for text in allowed_texts))

    def image(match: re.Match[str]) -> str:
        if match.group(2) not in allowed:
            return match.group(1)
        return match.group(0) if images else match.group(0)[1:]

    def link(match: re.Match[str]) -> str:
        return match.group(0) if match.group(2) in allowed else match.group(1)

    def bare(match: re.Match[str]) -> str:
        return match.group(0) if match.group(0) in allowed else "(link removed)"

    markdown = _MD_IMAGE.sub(image, markdown)
    markdown = _MD_LINK.sub(link, markdown)
    return _URL.sub(bare, markdown)


@lru_cache(maxsize=64)  # a source is checked once per field of its note: find its URLs once
def _urls_in(text: str) -> frozenset[str]:
    return frozenset(_URL.findall(text))


def _without_definitions(text: str) -> str:
    if "]:" not in text:
        return text
    lines = text.split("\n")
    return "\n".join(
        x for x, code in zip(lines, in_code(lines), strict=True) if code or not _REFERENCE_DEFINITION.match(x)
    )


def strip_html(text: str) -> str:
    """No HTML (tags, comments, our own prompt delimiters) survives; a stray `<x` is broken so it opens nothing."""
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_TAG.sub("", text)
    return _HTML_OPEN.sub("< ", text)


def bound(text: str, limit: int) -> str:
    """At most `limit` characters, marked with an ellipsis where cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def display_text(text: str) -> str:
    """Text safe inside `[[target|…]]`: brackets and pipes would end or split the link, and a backslash at the end
    would escape the `]]` that closes it (or, in a table, the escaped pipe before it)."""
    return " ".join(re.sub(r"[\[\]|]", " ", text).split()).rstrip("\\ ")


# --- one-line fields ------------------------------------------------------------------------------------------


def line(text: str, limit: int = MAX_LINE) -> str:
    """A model string as one plain line: links become their text; no URL, image, HTML, callout or markup lead."""
    if len(text) <= limit and _PLAIN_LINE.fullmatch(text) and "  " not in text:
        return text  # most names and titles: nothing to neutralize
    text = strip_html(_CONTROL.sub("", text[: limit * 4 + 200]))
    text = _WIKILINK.sub(lambda m: _shown(m.group(1)), text)
    text = strip_foreign_urls(text, ()).replace("(link removed)", "")
    text = _balanced_math(_CALLOUT.sub("", text).replace("[[", "").replace("]]", "").replace("%%", ""))
    flat = _LINE_LEAD.sub("", " ".join(text.split()).replace("|", "/")).strip()
    return bound(flat, limit)


def _shown(inner: str) -> str:
    target, _, shown = inner.partition("|")
    return display_text(shown or target.split("#")[0])


def title(text: str) -> str:
    return line(text, MAX_TITLE)


def name(text: str, limit: int = MAX_NAME) -> str:
    """A mention's name or an alias: empty when it is no usable name, or too long to be one (it is never cut)."""
    clean = line(text, 4 * limit)
    return clean if len(clean) <= limit and usable_name(clean) else ""


def aliases(items: Iterable[str], canonical: str = "") -> tuple[str, ...]:
    seen = {canonical.casefold()} if canonical else set()
    out = []
    for item in items:
        clean = name(item, MAX_ALIAS)
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            out.append(clean)
        if len(out) == MAX_ALIASES:
            break
    return tuple(out)


def tags(items: Iterable[str]) -> list[str]:
    """Tags Obsidian accepts: lowercase letters, digits, `_ - /`, at least one non-digit, at most 40 characters."""
    out: list[str] = []
    for item in items:
        clean = _TAG_CHARS.sub("-", line(item, MAX_TAG * 4).lstrip("#").casefold())
        clean = re.sub(r"-{2,}", "-", re.sub(r"/{2,}", "/", clean)).strip("-/")
        if clean and len(clean) <= MAX_TAG and not clean.replace("-", "").isdigit() and clean not in out:
            out.append(clean)
        if len(out) == MAX_TAGS:
            break
    return out


def language(text: str) -> str:
    """An ISO 639-1 code (`en`, `de`; `en-US` gives `en`), or "" for anything else."""
    code = text.strip().casefold().replace("_", "-")
    head = code.split("-")[0]
    return head if head in LANGUAGES and len(code) <= 8 and code.replace("-", "").isalpha() else ""


def date(text: str) -> str:
    """An ISO calendar date `YYYY-MM-DD`, or "" (`2026-11-3`, `yyyy-mm-dd` and `2026-02-30` are dropped).

    A date after tomorrow is dropped too: no source is newer than now, and the newest source settles a
    contradiction, so a planted `2999-01-01` would win every one."""
    value = text.strip()
    if not _DATE.fullmatch(value):
        return ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return ""
    return day.isoformat() if day <= dt.date.today() + dt.timedelta(days=1) else ""


def usable_name(text: str) -> bool:
    """Whether a title or name may become a page name: not empty, not a path or traversal, not a stopword."""
    stripped = text.strip()
    if ".." in stripped or stripped.startswith(("/", "~", "./", "\\")) or re.match(r"[A-Za-z]:[\\/]", stripped):
        return False
    if stripped.count("/") + stripped.count("\\") >= 2:
        return False
    words = re.findall(r"[^\W_]+", stripped.casefold())
    return bool(words) and " ".join(words) not in STOPWORDS and not all(w.isdigit() for w in words)


# --- prose and page bodies ------------------------------------------------------------------------------------


def relink(text: str, resolve: Resolver) -> str:
    """Every wikilink points at the page it means now (`[[alias]]` → `[[page|alias]]`); one to nothing is text."""

    def one(link: Link) -> str:
        shown = display_text(link.display or link.target)
        slug = resolve(link.target)
        if slug is None:
            return shown
        return f"[[{slug}|{shown}]]" if shown.casefold() != slug.casefold() else f"[[{slug}]]"

    return replace_wikilinks(text, one) if "[[" in text else text


def no_links(target: str) -> str | None:
    """The resolver for text where no link may stay: every wikilink becomes its text."""
    return None


def prose(
    text: str, resolve: Resolver | None, sources: Sequence[str] | None, limit: int = MAX_SUMMARY, images: bool = False
) -> str:
    """A block of model prose: paragraphs and lists, but no heading, fence, callout, rule or frontmatter fence.

    `resolve` None leaves wikilinks as written and `sources` None leaves URLs (a note read back from state, before
    pages are known): rendering checks both.
    """
    if len(text) <= limit and _PLAIN_PROSE.fullmatch(text):
        return text.strip()  # most claims and descriptions: no markup, link or URL to check
    text = _neutral_markup(strip_html(text[: limit * 2 + 1000]))
    lines = [_neutral_line(x) for x in text.split("\n") if not _RULE.match(x)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return bound(_links_and_urls(text, resolve, sources, images), limit)


def inline(
    text: str,
    resolve: Resolver | None,
    sources: Sequence[str] | None,
    limit: int = MAX_DESCRIPTION,
    images: bool = False,
) -> str:
    """Model prose that must stay on one line (a list item, a callout line): a claim, a description."""
    flat = _LINE_LEAD.sub("", " ".join(prose(text, resolve, sources, limit * 2, images).split())).strip()
    return bound(flat, limit)


def body(text: str, resolve: Resolver, sources: Sequence[str], images: bool = False) -> str:
    """A page body drafted by a model: headings below the H1 and lists stay; HTML, foreign URLs, dangling links and
    open fences or comments do not."""
    text = _neutral_markup(strip_html(text))
    lines = text.split("\n")
    lines = [x if code else re.sub(r"^#(?=\s)", "##", x) for x, code in zip(lines, in_code(lines), strict=True)]
    if sum(bool(FENCE.match(x)) for x in lines) % 2:
        lines.append("```")
    return _links_and_urls("\n".join(lines), resolve, sources, images).strip()


def answer(text: str, resolve: Resolver, sources: Sequence[str]) -> str:
    """A query answer, shown and filed in answers/: a page body with no frontmatter fence or rule, and bounded."""
    lines = [x for x in text[: MAX_ANSWER * 2].split("\n") if not _RULE.match(x)]
    return body(bound("\n".join(lines), MAX_ANSWER), resolve, sources)


def _neutral_markup(text: str) -> str:
    """Obsidian comments (`%%`) and block math left open would hide the rest of the page."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    # a line or paragraph separator breaks the line in some editors, not in Markdown: make it the break it shows
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _balanced_math(_PERCENTS.sub("%", text))  # after the controls go: `%\0%` must not make a comment


def _balanced_math(text: str) -> str:
    """The last `$$` outside code, when nothing closes it, shown as dollars: it would render the rest of the page
    as math. Pairs stay (math), and so does `echo $$` in code."""
    if "$$" not in text:
        return text
    lines = text.split("\n")
    spots = [
        (n, found.start())
        for n, (line, code) in enumerate(zip(lines, in_code(lines), strict=True))
        if not code and "$$" in line
        for found in re.finditer(r"\$\$", CODE_SPAN.sub(lambda m: " " * len(m.group()), line))
    ]
    if len(spots) % 2 == 0:
        return text
    n, at = spots[-1]
    lines[n] = lines[n][:at] + "\\$\\$" + lines[n][at + 2 :]
    return "\n".join(lines)


def _neutral_line(text: str) -> str:
    text = _HEADING.sub("", text)
    text = FENCE.sub("", text)
    text = re.sub(r"^\s*>+\s?", "", text)
    return _CALLOUT.sub("", text)


def _links_and_urls(text: str, resolve: Resolver | None, sources: Sequence[str] | None, images: bool) -> str:
    if resolve is not None:
        text = relink(text, resolve)
    return text if sources is None else strip_foreign_urls(text, sources, images)


# --- quotes -----------------------------------------------------------------------------------------------------


def normalize_ws(text: str) -> str:
    """Whitespace folded, typographic quotes straightened and invisible characters dropped, for comparing a quote
    with its source."""
    return " ".join((text if text.isascii() else text.translate(_UNQUOTED)).split())


def quote_occurs(quote: str, normalized_source: str) -> bool:
    q = normalize_ws(quote).strip(" \"'")
    return 8 <= len(q) <= MAX_QUOTE and q in normalized_source
