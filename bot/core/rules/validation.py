"""Schema validation: a parsed file against its pydantic model, each error with its line."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .model import LOCALES
from .yaml_files import Collector, RuleFile

M = TypeVar("M", bound=BaseModel)


def describe(error: Any) -> str:
    kind, loc, msg = error["type"], error["loc"], error["msg"]
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return f"unknown key {last!r}"
    if kind == "missing":
        if last in LOCALES:
            return f"missing translation {last!r}: every text needs all of {', '.join(LOCALES)}"
        return f"missing required key {last!r}"
    where = ".".join(str(p) for p in loc if not str(p).startswith(("function-", "lax-")))
    return f"{where}: {msg}" if where else msg


def validate(file: RuleFile, model: type[M], out: Collector) -> M | None:
    try:
        return model.model_validate(file.root)
    except ValidationError as error:
        seen: set[tuple[int, str]] = set()
        for item in error.errors():
            reason = describe(item)
            line = file.line(item["loc"])
            if (line, reason) not in seen:
                seen.add((line, reason))
                out.add(file, line, reason)
        return None
