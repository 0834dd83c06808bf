"""What `kwiki status` reports: the settings in effect and where each came from, the key, server, counts."""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from kwiki import __version__
from kwiki.config import Config
from kwiki.discover import discover
from kwiki.errors import ProviderError
from kwiki.llm.base import JSON_MODES, JsonMode, Request
from kwiki.llm.provider import PROVIDERS, api_key, key_var
from kwiki.plan import compile_key, plan_sources
from kwiki.project import Paths
from kwiki.state import State

PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Setting:
    value: str | None
    origin: str


@dataclass(frozen=True)
class KeyStatus:
    """Whether the API key is set; the key itself never leaves the environment."""

    env: str | None  # the variable kwiki reads it from; None when the provider needs no key
    present: bool
    required: bool


@dataclass(frozen=True)
class Endpoint:
    """The answer of `GET <base_url>/models`: any HTTP reply means the server is reachable."""

    url: str
    reachable: bool
    detail: str


@dataclass(frozen=True)
class Counts:
    raw_files: int
    wiki_pages: int


@dataclass(frozen=True)
class SourceCounts:
    """What the next `kwiki ingest` would do: sources done, pending (new, changed, re-keyed), failed, deleted."""

    done: int
    pending: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (path, error of the last attempt)
    deleted: tuple[str, ...]


@dataclass(frozen=True)
class ModeProbe:
    """Whether the server answered one tiny structured request in a json_mode with schema-valid JSON."""

    mode: str
    accepted: bool
    detail: str


PROBE = Request(
    name="probe",
    system="Reply with JSON only.",
    user="Give the title of the novel Moby-Dick.",
    schema={
        "type": "object",
        "properties": {"title": {"type": "string"}},
        "required": ["title"],
        "additionalProperties": False,
    },
    max_tokens=60,
)


@dataclass(frozen=True)
class StatusReport:
    root: Path
    provider: Setting
    model: Setting
    base_url: Setting
    api_key: KeyStatus
    endpoint: Endpoint | None  # checked only when a base_url is set
    counts: Counts
    sources: SourceCounts
    json_modes: tuple[ModeProbe, ...] = ()  # only with probe_modes, for providers that have json modes


def status_report(paths: Paths, config: Config, env: Mapping[str, str], *, probe_modes: bool = False) -> StatusReport:
    origins = config.origins
    return StatusReport(
        root=paths.root,
        provider=Setting(config.provider, origins.get("provider", "default")),
        model=Setting(config.model, origins.get("model", "default")),
        base_url=Setting(config.base_url, origins.get("base_url", "default")),
        api_key=KeyStatus(
            env=key_var(config),
            present=api_key(config, env) is not None,
            required=PROVIDERS[config.provider].needs_key(config.base_url),
        ),
        endpoint=probe(config.base_url) if config.base_url else None,
        counts=Counts(raw_files=count_files(paths.raw), wiki_pages=count_files(paths.wiki, ".md")),
        sources=source_counts(paths, config),
        json_modes=probe_json_modes(config, env) if probe_modes and config.provider == "openai" else (),
    )


def probe_json_modes(config: Config, env: Mapping[str, str]) -> tuple[ModeProbe, ...]:
    """Send PROBE once in every json_mode, without retries or fallback (a few billed tokens each)."""
    return tuple(_probe(replace(config, json_mode=cast(JsonMode, mode), max_retries=0), env) for mode in JSON_MODES)


def _probe(config: Config, env: Mapping[str, str]) -> ModeProbe:
    notices: list[str] = []  # the adapter's json_schema fallback says so here: then json_schema was rejected
    llm = PROVIDERS[config.provider].factory(config, api_key(config, env) or "", notices.append)
    try:
        reply = llm.complete(PROBE)
    except ProviderError as err:
        return ModeProbe(config.json_mode, False, err.message)
    if notices:
        return ModeProbe(config.json_mode, False, notices[0].split(";")[0])
    return ModeProbe(config.json_mode, True, f"replied {json.dumps(reply.data, ensure_ascii=False)[:80]}")


def source_counts(paths: Paths, config: Config) -> SourceCounts:
    """Read-only: state is opened without the lock, and nothing is extracted or written."""
    known = {}
    if paths.state_db.is_file():
        with State.open(paths.state_db) as state:
            known = {r.path: r for r in state.sources()}
    if not paths.raw.is_dir():
        return SourceCounts(0, (), (), ())
    found = discover(paths.raw, [paths.raw], known, int(config.max_source_mb * 1_000_000))
    plan = plan_sources(paths.raw, found, known, compile_key(config.provider, config.model, paths.schema))
    failed = tuple((r.path, r.error) for r in known.values() if r.status == "failed")
    failed_paths = {p for p, _ in failed}
    pending = tuple(p.path for p in plan.pending if p.path not in failed_paths)
    return SourceCounts(len(plan.unchanged), pending, failed, plan.deleted)


def probe(base_url: str, timeout: float = PROBE_TIMEOUT) -> Endpoint:
    """GET <base_url>/models without the key: a 401 still proves the server is there."""
    url = base_url.rstrip("/") + "/models"
    request = urllib.request.Request(url, headers={"User-Agent": f"kwiki/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Endpoint(url, True, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        return Endpoint(url, True, f"HTTP {exc.code}")
    except urllib.error.URLError as exc:
        return Endpoint(url, False, str(exc.reason))
    except (OSError, http.client.HTTPException) as exc:
        return Endpoint(url, False, str(exc) or type(exc).__name__)


def count_files(folder: Path, suffix: str = "") -> int:
    """Files under `folder` ending with `suffix`, skipping hidden files and folders (such as .obsidian/)."""
    count = 0
    for _dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        count += sum(1 for name in filenames if not name.startswith(".") and name.endswith(suffix))
    return count
