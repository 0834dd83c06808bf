"""Git for kwiki runs: one commit of exactly what an ingest changed under wiki/, and `undo` of that commit.

Only the `git` command is used. Every path goes to git as a literal pathspec, relative to the repository's top.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kwiki import entries, vault
from kwiki.errors import KwikiError
from kwiki.ingest import IngestReport
from kwiki.lock import ProjectLock
from kwiki.project import Paths

TRAILER = "Kwiki-Commit"  # value "ingest" on kwiki's commits, "undo" on the commits that revert them
UNDO_DIR = "undo"  # .kwiki/undo/: state and base texts from before the last committed run, for `kwiki undo`
NEXT_DIR = "undo-next"  # the same, taken before a run; it becomes undo/ only once that run made a commit
LISTED = 40  # paths per section of a commit message


class GitError(KwikiError):
    """git is missing, the project is not in a repository, or git refused (its own message follows)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    files: tuple[str, ...]  # relative to the repository's top


@dataclass(frozen=True)
class Repo:
    top: Path

    def git(self, *args: str, stdin: str | None = None) -> str:
        env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0"}
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.top, input=stdin, capture_output=True, text=True, env=env, check=False
            )
        except FileNotFoundError:
            raise GitError("git is not installed", "install git, or drop --commit / commit = true") from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise GitError(f"git {args[0]} failed: {detail[-1] if detail else done.returncode}")
        return done.stdout

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.top).as_posix()

    def nul_list(self, *args: str) -> list[str]:
        return [p for p in self.git(*args).split("\0") if p]


def open_repo(root: Path) -> Repo:
    """The git repository that holds the project; GitError with a clear message when there is none."""
    try:
        top = Repo(root.resolve()).git("rev-parse", "--show-toplevel").strip()
    except GitError as err:
        if "not a git repository" not in err.message:
            raise
        raise GitError(
            f"{root} is not inside a git repository", "run `git init` there first, or drop --commit / commit = true"
        ) from None
    return Repo(Path(top).resolve())


def snapshot(wiki: Path) -> dict[str, str]:
    """wiki-relative path → sha256 of every visible file (Obsidian's own .obsidian/ is not kwiki's output)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(wiki):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder) / name
            if not name.startswith(".") and not path.is_symlink() and path.is_file():  # a FIFO would block
                found[path.relative_to(wiki).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def changed(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def commit_ingest(paths: Paths, run: Callable[[], IngestReport]) -> tuple[IngestReport, Commit | None]:
    """Run an ingest and commit what it changed under wiki/ (None: nothing changed, no commit)."""
    repo = open_repo(paths.root)
    before = snapshot(paths.wiki)
    staged, kept = paths.state_dir / NEXT_DIR, paths.state_dir / UNDO_DIR
    _save_state(paths, staged)
    try:
        report = run()
        files = [repo.rel(paths.wiki / p) for p in changed(before, snapshot(paths.wiki))]
        commit = _commit(repo, files, ingest_message(report)) if files else None
        if commit is not None:  # the earlier commit's saved state is only replaced by a newer commit's
            vault.write_text(paths.state_dir, f"{NEXT_DIR}/commit", commit.sha + "\n")
            shutil.rmtree(kept, ignore_errors=True)
            staged.rename(kept)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return report, commit


def _commit(repo: Repo, files: list[str], message: str) -> Commit | None:
    tracked = set(repo.nul_list("ls-files", "-z", "--", *files))
    present = [f for f in files if (repo.top / f).exists() or f in tracked]
    if not present:
        return None
    repo.git("add", "-A", "--", *present)
    if _has_head(repo) and not repo.nul_list("diff", "--cached", "--name-only", "-z", "HEAD", "--", *present):
        return None
    repo.git("commit", "-q", "-F", "-", "--", *present, stdin=message)
    sha = repo.git("rev-parse", "HEAD").strip()
    return Commit(sha, message.split("\n", 1)[0], tuple(present))


def _has_head(repo: Repo) -> bool:
    try:
        repo.git("rev-parse", "--verify", "-q", "HEAD")
    except GitError:
        return False
    return True


def ingest_message(report: IngestReport) -> str:
    """Subject with the counts, then the run's sources and pages (as its log entries name them), then the trailer."""
    counts = [f"{len(report.ingested)} sources"]
    counts += [f"{len(report.deleted)} deleted"] if report.deleted else []
    counts += [f"{len(report.created)} pages created", f"{len(report.updated)} updated"]
    sections = [
        ("Sources", [f"raw/{p}" for p in report.ingested]),
        ("Failed sources", [f.path for f in report.failures]),
        ("Deleted sources", [f"raw/{p}" for p in report.deleted]),
        ("Pages created", report.created),
        ("Pages updated", report.updated),
        ("Pages removed", report.removed),
    ]
    body = [_section(title, items) for title, items in sections if items]
    return "\n\n".join([f"kwiki ingest: {', '.join(counts)}", *body, f"{TRAILER}: ingest"]) + "\n"


def _section(title: str, items: list[str]) -> str:
    lines = [f"{title}:", *(f"- {item}" for item in items[:LISTED])]
    if len(items) > LISTED:
        lines.append(f"- … and {len(items) - LISTED} more")
    return "\n".join(lines)


def _save_state(paths: Paths, folder: Path) -> None:
    """Copy state.sqlite (sqlite's backup API: consistent) and base/ (hard links: vault replaces, never edits)."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "base").mkdir(parents=True)
    _copy_db(paths.state_db, folder / "state.sqlite")
    if paths.base_dir.is_dir():
        shutil.copytree(paths.base_dir, folder / "base", copy_function=_link, dirs_exist_ok=True)


def _copy_db(source: Path, target: Path) -> None:
    src = sqlite3.connect(source) if source.is_file() else sqlite3.connect(":memory:")
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def undo(paths: Paths) -> Commit:
    """Revert kwiki's last commit with a new commit, and put state back as it was before that run."""
    repo = open_repo(paths.root)
    head = _undoable_head(repo, paths)
    files = list(head.files)
    with ProjectLock(paths.state_dir, "undo"):
        before = set(repo.nul_list("ls-tree", "-r", "-z", "--name-only", "HEAD^", "--", *files))
        if before:
            repo.git("checkout", "HEAD^", "--", *sorted(before))
        if added := [f for f in files if f not in before]:
            repo.git("rm", "-q", "--", *added)
        subject = f"kwiki undo: revert {head.sha[:12]} ({head.subject})"
        message = f"{subject}\n\nThis reverts commit {head.sha}.\n\n{TRAILER}: undo\n"
        repo.git("commit", "-q", "-F", "-", "--", *files, stdin=message)
        _restore_state(paths)
    return Commit(repo.git("rev-parse", "HEAD").strip(), subject, head.files)


def _undoable_head(repo: Repo, paths: Paths) -> Commit:
    """HEAD, when it is kwiki's ingest commit and nothing it touched changed since; GitError saying why not."""
    if not _has_head(repo):
        raise GitError("the repository has no commits yet", "there is nothing kwiki committed to undo")
    sha, kind, subject = repo.git("log", "-1", f"--format=%H%x00%(trailers:key={TRAILER},valueonly)%x00%s").split("\0")
    if kind.strip() != "ingest":
        why = "it already undid kwiki's last commit" if kind.strip() == "undo" else "it is not a kwiki commit"
        hint = "kwiki undoes only its own last commit while it is HEAD; use git revert for others"
        raise GitError(f"HEAD {sha[:12]} ({subject.strip()}): {why}", hint)
    if len(repo.git("rev-list", "--parents", "-n", "1", "HEAD").split()) != 2:
        raise GitError(f"HEAD {sha[:12]} has no single parent to return to", "use git yourself")
    files = tuple(repo.nul_list("diff-tree", "-r", "-z", "--name-only", "--no-commit-id", "HEAD^", "HEAD"))
    _refuse_edits(repo, sha, files)
    recorded = paths.state_dir / UNDO_DIR / "commit"
    if not recorded.is_file() or recorded.read_text(encoding="utf-8").strip() != sha:
        raise GitError(
            f"kwiki has no saved state from before {sha[:12]} (.kwiki/undo/ is missing or from another commit)",
            "undo works on the machine that made the commit; elsewhere use git revert and `kwiki ingest`",
        )
    return Commit(sha, subject.strip(), files)


def _refuse_edits(repo: Repo, sha: str, files: tuple[str, ...]) -> None:
    """The files of kwiki's commit must be as it left them, in the working tree and in the index."""
    status = repo.git("status", "--porcelain", "-z", "--untracked-files=all", "--", *files)
    if dirty := [entry[3:] for entry in status.split("\0") if len(entry) > 3]:
        raise GitError(
            f"{', '.join(dirty[:5])} changed since kwiki's commit {sha[:12]}",
            "commit or stash those edits first (git stash), then run kwiki undo again; kwiki never discards edits",
        )


def _restore_state(paths: Paths) -> None:
    """state.sqlite and base/ as they were before the undone run, so the next ingest recompiles what it made."""
    folder = paths.state_dir / UNDO_DIR
    _copy_db(folder / "state.sqlite", paths.state_db)
    saved, base = folder / "base", paths.base_dir
    old = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()}
    now = {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()} if base.is_dir() else set()
    for rel in sorted(old):
        text = entries.read_text(saved, rel)[0]  # a damaged base reads with U+FFFD: it is kwiki's own copy
        if rel not in now or entries.read_text(base, rel)[0] != text:
            vault.write_text(base, rel, text, durable=False)
    for rel in sorted(now - old):
        vault.remove(base, rel)
    shutil.rmtree(folder, ignore_errors=True)
