"""typer's coercion of command-line values without a pydantic adapter per parameter, on the typer it was tested on.

typer validates every parameter with a pydantic TypeAdapter, built when the command runs (about 0.15 s of pydantic
for a `kwiki ingest` that then finds nothing to do). This module uses typer's private coercion API, so it refuses
to load (ImportError) on any typer but 0.29: there kwiki runs on typer's own, slower path, with the same results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

if not typer.__version__.startswith("0.29."):
    raise ImportError(f"written against typer 0.29, not {typer.__version__}")

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_path


@dataclass(frozen=True)
class _PlainText(RuntimeParam):
    """Typer's coercion of a command-line value, without building a pydantic adapter for the common cases.

    typer validates every parameter with a pydantic TypeAdapter, built when the command runs (about 0.15 s of
    pydantic for a `kwiki ingest` that then finds nothing to do). Text for a `str`, `Path` or `list[Path]`
    parameter becomes what typer makes of it; any other value or type goes to typer's own coercion.
    """

    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation, info = self.annotation, self.parameter_info
        if annotation is str and type(value) is str:
            return value
        texts = value if annotation == list[Path] and type(value) is tuple else (value,)
        if annotation in (Path, list[Path]) and info.path_type is None and all(type(v) is str for v in texts):
            # pydantic's part is `Path(text)`; typer's own checks (exists, readable…) follow, as typer runs them
            paths = [coerce_cli_path(Path(text), info, path_type=Path, param=param, ctx=ctx) for text in texts]
            return paths if annotation != Path else paths[0]
        return build_runtime_param(self.descriptor).coerce(value, param=param, ctx=ctx)


def plain_coercion(params: list[Any]) -> None:
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if (
            getattr(param, "_runtime_param", "") is None
            and descriptor is not None
            and descriptor.file_annotation is None
        ):
            param._runtime_param = _PlainText(descriptor.parameter_info, descriptor.annotation, descriptor)
