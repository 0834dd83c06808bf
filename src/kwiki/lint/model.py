"""What lint reports: every check's id, severity and fix hint, findings, fixes, and the report they form."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")
Progress = Callable[[str, str, int, int], None]  # (phase, item, done, total), as kwiki.ingest.Progress


@dataclass(frozen=True)
class Check:
    id: str
    severity: str  # "error" | "warning" | "info"
    fix: str  # one line: how to repair what the check finds


CHECKS: dict[str, Check] = {
    c.id: c
    for c in (
        Check(
            "link-unresolved",
            "error",
            "correct the target or create the page; --fix relinks aliases and unlinks only links kwiki wrote or "
            "links to deleted pages",
        ),
        Check("link-alias", "error", "Obsidian never resolves aliases: write [[canonical|alias]] (--fix does)"),
        Check("embed-missing", "error", "add the file to the vault or remove the embed"),
        Check("heading-missing", "warning", "link an existing heading, or drop the #part (--fix does)"),
        Check("name-clash", "error", "rename one of the files: basenames must be unique ignoring case"),
        Check("name-invalid", "warning", 'rename without # ^ [ ] | : * ? " < > \\, reserved names, end dot/space'),
        Check("frontmatter-missing", "warning", "add a --- properties block with title and type"),
        Check("frontmatter-invalid", "error", "fix the YAML between the --- lines"),
        Check("frontmatter-keys", "warning", "add the missing properties"),
        Check("property-type", "warning", "give the property the type it has on the other pages"),
        Check("tag-invalid", "warning", "tags: letters, digits, _ - /, at least one non-digit (--fix normalizes)"),
        Check("property-link-unquoted", "warning", 'quote links in properties: "[[page]]" (--fix does)'),
        Check("orphan", "warning", "link the page from a related page, or delete it"),
        Check("page-empty", "warning", "write the page or delete it"),
        Check("no-sources", "warning", "list the raw files the page is built from in `sources`"),
        Check("source-missing", "warning", "restore the raw file or correct the `sources` entry"),
        Check("single-source", "info", "weak evidence: one source only; ingest more sources on the subject"),
        Check("stale-page", "warning", "run `kwiki ingest` to recompile it from its changed sources"),
        Check("raw-not-ingested", "warning", "run `kwiki ingest`"),
        Check("raw-skipped", "info", "ingest skips the file for this reason: fix the file, or move it out of raw/"),
        Check("source-failed", "warning", "see the error; run `kwiki ingest` again to retry"),
        Check("index-stale", "warning", "regenerate it: `kwiki lint --fix`"),
        Check("log-stale", "info", "the page is gone; `kwiki lint --fix` removes the line"),
        Check("concept-candidate", "info", "mentioned often: ingest a source about it (--fix creates a stub)"),
        Check("contradiction-open", "warning", "check both sources; settle it in the page, then in contradictions.md"),
        Check("update-conflict", "warning", "merge the proposed text by hand and delete the callout"),
        Check("url-foreign", "warning", "no source contains this URL (possible exfiltration): remove it"),
        Check("raw-injection", "info", "the source talks to a model: review it before trusting its pages"),
        Check("entry-odd", "warning", "see the message: the entry is skipped, or read but never rewritten"),
        Check("base-invalid", "error", "fix the .base file's YAML, or delete it: kwiki writes its own when absent"),
        Check("answer-stale", "info", "a cited page changed after the answer: ask again with `kwiki query --save`"),
    )
}


@dataclass(frozen=True)
class Finding:
    """One problem: `path` is relative to the project root (wiki/… or raw/…); `line` is 1-based."""

    id: str
    severity: str
    path: str
    line: int
    message: str
    fix: str


def finding(check_id: str, path: str, line: int, message: str) -> Finding:
    check = CHECKS[check_id]
    return Finding(check.id, check.severity, path, line, message, check.fix)


@dataclass(frozen=True)
class Fix:
    """One repair --fix made."""

    path: str
    action: str


@dataclass(frozen=True)
class LintOptions:
    fix: bool = False
    deep: bool = False
    budget: int | None = None  # --deep model calls; None sizes it for the wiki
    today: str = ""  # YYYY-MM-DD for log entries and stubs; "" = today's date


@dataclass(frozen=True)
class DeepSummary:
    """What --deep did: pairs ranked, calls made, answers reused from the pair cache, what is left."""

    pairs: int
    calls: int
    cached: int
    unchecked: int
    new_contradictions: int
    failed: int = 0  # calls the provider could not answer; those pairs are tried again next run
    error: str = ""  # the first of those failures


@dataclass(frozen=True)
class LintReport:
    findings: tuple[Finding, ...]
    fixes: tuple[Fix, ...] = ()
    deep: DeepSummary | None = None

    def counts(self) -> dict[str, int]:
        found = Counter(f.severity for f in self.findings)
        return {severity: found.get(severity, 0) for severity in SEVERITIES}

    def failed(self, strict: bool = False) -> bool:
        """True when an error (or, strict, a warning) was found, or a --deep call failed: the CLI then exits 1."""
        counts = self.counts()
        calls_failed = self.deep is not None and self.deep.failed > 0
        return counts["error"] > 0 or (strict and counts["warning"] > 0) or calls_failed
