"""Conventions every command shares: two consoles, the session (project, settings, LLM), errors, JSON output.

A command module looks like this:

    @app.command()
    @guarded
    def lint(ctx: typer.Context, as_json: JsonOption = False) -> None:
        s = session(ctx)
        report = run_lint(s.paths, s.llm())
        if as_json:
            print_json(report)
        else:
            out.print(f"{len(report.problems)} problems")

Both consoles print plain text by default (markup, emoji and highlighting off), because what kwiki prints is
full of page names and `[[links]]` that rich would take for markup; pass `markup=True` where you mean it.

`@guarded` also gives every command the global options (--project, --provider, --model, --base-url), so that
they work after the subcommand as well as before it; the root command declares the same Annotated types.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import inspect
import json
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar, cast

import typer
from rich.console import Console

from kwiki.config import Config, load_config
from kwiki.errors import KwikiError, UsageError
from kwiki.llm.provider import PROVIDERS
from kwiki.lock import clear_notes
from kwiki.project import Paths, find_root

if TYPE_CHECKING:
    from kwiki.llm.base import LLM
    from kwiki.llm.wrappers import Meter

P = ParamSpec("P")
R = TypeVar("R")

out = Console(soft_wrap=True, markup=False, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)


ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project", metavar="DIR", file_okay=False, help="Project folder [default: $KWIKI_PROJECT, else found upward]."
    ),
]
ProviderOption = Annotated[
    str | None,
    typer.Option(
        "--provider",
        metavar="NAME",
        help=f"{', '.join(PROVIDERS)} [default: $KWIKI_PROVIDER, kwiki.toml, else by API key].",
    ),
]
ModelOption = Annotated[
    str | None, typer.Option("--model", metavar="NAME", help="Model [default: $KWIKI_MODEL, kwiki.toml, provider's].")
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", metavar="URL", help="OpenAI-compatible server [default: $KWIKI_BASE_URL, kwiki.toml]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout; stderr gets errors only.")]
GLOBAL_OPTIONS = {"project": ProjectOption, "provider": ProviderOption, "model": ModelOption, "base_url": BaseUrlOption}


@dataclass(frozen=True)
class GlobalOptions:
    """The global options; every subcommand finds them in its typer.Context."""

    project: Path | None = None
    provider: str | None = None
    model: str | None = None
    base_url: str | None = None

    def flags(self) -> dict[str, object | None]:
        return {"provider": self.provider, "model": self.model, "base_url": self.base_url}

    def project_folder(self, env: Mapping[str, str]) -> Path | None:
        """--project, else KWIKI_PROJECT, else None (the current folder and upward)."""
        return self.project or (Path(env["KWIKI_PROJECT"]) if env.get("KWIKI_PROJECT") else None)

    def overridden(self, later: GlobalOptions) -> GlobalOptions:
        """These options with the ones given after the subcommand (those win)."""
        return GlobalOptions(
            project=later.project or self.project,
            provider=later.provider or self.provider,
            model=later.model or self.model,
            base_url=later.base_url or self.base_url,
        )


class Session:
    """One command's project, settings and environment; the LLM and its usage meter are built on first use."""

    def __init__(self, paths: Paths, config: Config, env: Mapping[str, str], quiet: bool = False) -> None:
        self.paths = paths
        self.config = config
        self.env = env
        self.quiet = quiet  # --json: stderr gets errors only
        self._llm: LLM | None = None

    @property
    def offline(self) -> bool:
        """True for the extractive provider: pages come from the sources' own sentences, no model is called."""
        return self.config.provider == "extractive"

    @functools.cached_property
    def meter(self) -> Meter:
        from kwiki.llm.wrappers import Meter

        return Meter()

    def llm(self, planning: bool = False) -> LLM:
        """The configured model; `planning` (a command that makes no call) needs no API key."""
        if self._llm is None:
            from kwiki.llm.provider import build_llm

            if self.config.notice and not self.quiet:
                err.print(f"note: {self.config.notice}")
            self._llm = build_llm(
                self.config, self.paths, self.env, meter=self.meter, debug_sink=_debug, planning=planning
            )
        return self._llm

    def print_notices(self) -> None:
        """On stderr, once each: what the model's adapter noticed (e.g. a json_schema fallback) during the command."""
        for notice in self.meter.notices if self._llm is not None else ():
            err.print(f"note: {notice}")


def session(ctx: typer.Context, require_project: bool = True, quiet: bool = False) -> Session:
    """The project at --project (or found upward from the current folder) with its settings.

    `quiet` (for --json) keeps notes off stderr, which then carries errors only.

    Without a project: a UsageError, or, when `require_project` is False, a session rooted at --project or
    the current folder whose settings come from flags, environment and defaults only.
    """
    options = ctx.find_object(GlobalOptions) or GlobalOptions()
    env = dict(os.environ)
    start = options.project_folder(env) or Path.cwd()
    if not start.is_dir():
        raise UsageError(f"--project {start} is not a folder", "pass the folder that holds kwiki.toml")
    root = find_root(start)
    if root is None and require_project:
        raise UsageError(
            f"no kwiki project here (no kwiki.toml in {start.absolute()} or above)",
            "run `kwiki init` or pass --project DIR",
        )
    config = load_config(root, options.flags(), env)
    return Session(Paths(root or start.absolute()), config, env, quiet)


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Put under @app.command(): a KwikiError becomes `error:`/`fix:` lines on stderr and its exit code.

    The command also takes the global options; they are merged into the context's GlobalOptions.
    """
    signature = inspect.signature(command, eval_str=True)
    context = next((p.name for p in signature.parameters.values() if p.annotation is typer.Context), None)

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        given = GlobalOptions(**cast(dict[str, Any], {name: kwargs.pop(name, None) for name in GLOBAL_OPTIONS}))
        ctx = kwargs.get(context) if context else None
        if ctx is not None:
            _remember(cast(typer.Context, ctx), given)
        try:
            with _terminate_at_once():
                return command(*args, **kwargs)
        except KwikiError as exc:
            print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:  # the file system refused (read-only, permissions, a full disk): a message, no traceback
            print_error(KwikiError(_os_problem(exc), _OS_FIXES.get(exc.errno or 0, "fix the cause, then run it again")))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            err.print("  fix: run the command again; work already written is kept")
            raise typer.Exit(130) from None

    run.__signature__ = _with_global_options(signature)  # type: ignore[attr-defined]
    return run


@contextlib.contextmanager
def _terminate_at_once() -> Iterator[None]:
    """SIGTERM (`timeout`, a cancelled CI job, systemd) ends the command at once, as it always did, but says so and
    clears the lock's note first (it was left stale for doctor to report). At once, not unwound like Ctrl-C: that
    waits for the model calls in flight (up to `timeout`), and `kwiki mcp` would wait for its stdin. What a run
    has written is journaled, so the next run finishes or redoes it, as after any kill."""
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        err.print("terminated")
        err.print("  fix: run the command again; work already written is kept")
        err.file.flush()
        clear_notes()
        os._exit(128 + signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_OS_FIXES = {
    errno.EROFS: "the folder is on a read-only file system: run kwiki where it may write (or on a copy)",
    errno.EACCES: "you may not write there: check the folder's owner and permissions",
    errno.EPERM: "you may not write there: check the folder's owner and permissions",
    errno.ENOSPC: "the disk is full: free some space, then run the command again (work already written is kept)",
}


def _os_problem(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or type(exc).__name__}{where}"


def _with_global_options(signature: inspect.Signature) -> inspect.Signature:
    """The command's parameters and, after them, the global options, which typer then parses."""
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
        for name, kind in GLOBAL_OPTIONS.items()
    ]
    return signature.replace(parameters=[*signature.parameters.values(), *extra])


def _remember(ctx: typer.Context, given: GlobalOptions) -> None:
    ctx.obj = (ctx.find_object(GlobalOptions) or GlobalOptions()).overridden(given)


def _debug(text: str) -> None:
    err.print(text, end="")


def print_error(exc: KwikiError) -> None:
    err.print(f"error: {exc.message}")
    if exc.hint:
        err.print(f"  fix: {exc.hint}")


def print_json(data: object) -> None:
    """Data (dataclasses and Paths included) as indented JSON on stdout, keys in insertion order. A file name that
    is not UTF-8 holds surrogates (os.fsdecode): those are written as `\\udcXX` escapes, so stdout stays UTF-8."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_plain)
    typer.echo(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"print_json cannot encode {type(value).__name__}")
