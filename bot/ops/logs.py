"""Structured logs: one JSON object per line (readable text on a terminal), and nothing a
user wrote.

Why JSON lines: ``docker logs`` and any collector (journald, Loki, Vector) can
filter on ``level``/``logger``/``event`` without regular expressions, and a field
can never be confused with the message around it.

Why the extra guards (DESIGN.md: never log message texts or answers; users may be
undocumented). The code logs ids and counts only, but a log line can still leak:

* exception messages may quote input (``date.fromisoformat`` puts the unreadable
  text into its message; Telegram's "can't parse entities" quotes the message), so
  exceptions are written as type plus stack frames (file, line, code) — never the
  message or local values;
* a PTB or library log call may pass an ``Update``/``Message`` as an argument (PTB's
  "Processing update %s" at DEBUG), so any Telegram object in a record's arguments
  is replaced by its type and update id before formatting;
* PTB logs request parameters at DEBUG, aiosqlite logs every SQL statement with its
  parameters (the answers) at DEBUG, and httpx logs URLs with the token at INFO, so
  those loggers never go below INFO/WARNING whatever ``HAMROH_LOG_LEVEL`` says.

Fields: ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``msg``, ``exc_type`` and
``frames`` for exceptions, plus anything passed with ``extra={...}``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import traceback
from typing import Any, Literal

from telegram import TelegramObject, Update

LogFormat = Literal["json", "text"]
FormatChoice = Literal["auto", "json", "text"]

LIBRARY_FLOORS: dict[str, int] = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "tornado.access": logging.WARNING,
    "aiosqlite": logging.INFO,
}
"""Third-party loggers and the lowest level they may log at (see the module docstring)."""

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of its message with terminal colours in it
}


def _redact(value: object) -> object:
    if isinstance(value, Update):
        return f"<Update {value.update_id}>"
    if isinstance(value, TelegramObject):
        return f"<{type(value).__name__}>"
    return value


class PrivacyFilter(logging.Filter):
    """Replace Telegram objects in a record's arguments; drop exception messages.

    Attached to the handler, so it guards every logger, ours and the libraries'.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact(value) for key, value in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.exc_type = f"{type(error).__module__}.{type(error).__qualname__}"
            record.frames = traceback.format_tb(error.__traceback__)
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring for the fields)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``ts level logger: msg key=value …`` for reading in a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        frames = extra.pop("frames", None)
        line += "".join(f" {key}={value}" for key, value in extra.items())
        if frames:
            line += "\n" + "".join(frames).rstrip()
        return line


class ExplainedAtStart(logging.Filter):
    """Leave out PTB's log of a failed start (``getMe``): ``hamroh run`` explains it.

    PTB logs the failure of its bootstrap ``initialize`` — no network, a rejected
    token — as an ERROR with the stack before re-raising it; ``hamroh run`` then says
    in one line what is wrong and what to do. Two messages about one failure, the
    first fifteen stack frames long, is what a newcomer saw.
    """

    PREFIX = "Network Retry Loop (Bootstrap Initialize Application)"

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram.ext") or not isinstance(record.args, tuple):
            return True
        return not (record.args and str(record.args[0]).startswith(self.PREFIX))


def make_handler(fmt: LogFormat = "json", stream: Any = None) -> logging.Handler:
    """A stream handler (stderr by default) with the privacy filter and the formatter."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(ExplainedAtStart())
    handler.addFilter(PrivacyFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler


def apply_library_floors(level: str) -> None:
    """Set each library logger to ``level`` but never below its floor."""
    numeric = logging.getLevelName(level)
    for name, minimum in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(minimum, numeric))


def resolve_format(fmt: FormatChoice, stream: Any = None) -> LogFormat:
    """``auto``: readable text when the log goes to a terminal, JSON lines otherwise
    (Docker, journald, a file or a pipe, where a collector reads them)."""
    if fmt != "auto":
        return fmt
    target = stream if stream is not None else sys.stderr
    try:
        return "text" if target.isatty() else "json"
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return "json"


def configure_logging(level: str, fmt: FormatChoice = "auto") -> None:
    """Root logging for the bot process: our ``level``, library floors, one guarded handler."""
    logging.basicConfig(level=level, handlers=[make_handler(resolve_format(fmt))], force=True)
    apply_library_floors(level)
