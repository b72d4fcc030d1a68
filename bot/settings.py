"""Configuration from the environment (``HAMROH_*``), validated once at start.

Why environment variables: the bot runs in a container or under systemd, and the
token is a secret that must never sit in a file in the repository. Everything
else has a default that works from a checkout (``hamroh run`` in the repo root).

| variable | default | meaning |
|---|---|---|
| ``HAMROH_BOT_TOKEN`` | (required to run) | token from @BotFather |
| ``HAMROH_DB_PATH`` | ``data/hamroh.sqlite3`` | SQLite file (created with its folder) |
| ``HAMROH_DATABASE_URL`` | unset (SQLite) | ``postgresql://user:password@host/db``: PostgreSQL instead, for several instances |
| ``HAMROH_DATABASE_POOL_SIZE`` | ``10`` | PostgreSQL connections each instance opens at most (1-100) |
| ``HAMROH_ADMIN_IDS`` | empty | comma-separated Telegram user ids of admins |
| ``HAMROH_BOT_API_URL`` | ``https://api.telegram.org/bot`` | Bot API base URL |
| ``HAMROH_RULES_DIR`` | ``rules`` | the ruleset folder |
| ``HAMROH_LOCALES_DIR`` | the repository's ``locales`` | gettext catalogs |
| ``HAMROH_WEBHOOK_URL`` | unset (long polling) | public HTTPS URL; set it to use a webhook |
| ``HAMROH_WEBHOOK_SECRET`` | unset | secret token Telegram sends back in a header |
| ``HAMROH_WEBHOOK_LISTEN`` | ``0.0.0.0`` | address the webhook server binds |
| ``HAMROH_WEBHOOK_PORT`` | ``8443`` | port the webhook server binds |
| ``HAMROH_LOG_LEVEL`` | ``INFO`` | Python logging level |
| ``HAMROH_LOG_FORMAT`` | ``auto`` | ``json`` (one object per line), ``text``, or ``auto``: text on a terminal, else JSON |
| ``HAMROH_INACTIVE_DAYS`` | ``180`` | delete users silent this many days (told in /privacy) |
| ``HAMROH_OUTBOX_KEEP_DAYS`` | ``7`` | delete sent/failed send-queue rows after this many days |
| ``HAMROH_HEARTBEAT_PATH`` | ``heartbeat`` next to the database | file ``hamroh health`` checks |
| ``HAMROH_HEARTBEAT_INTERVAL`` | ``30`` | seconds between heartbeats (at least 0.05) |
| ``HAMROH_HEARTBEAT_MAX_AGE`` | ``120`` | ``hamroh health`` fails on an older heartbeat |
| ``HAMROH_SEND_RATE`` | ``25`` | queued messages per second (reminders, broadcasts; max 1000); replies go first |
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_BOT_API_URL = "https://api.telegram.org/bot"
DEFAULT_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
MAX_DAYS = 36_500
"""A hundred years: more is a typo (and past the calendar's range, an error every day)."""
_BOT_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_HEARTBEAT_INTERVAL = 0.05
"""Seconds. Less only rewrites the file and asks the database in a loop (0.001 kept a core
busy); a twentieth of a second still lets a test or a quick try see the beats at once.
In production the default 30 s fits Docker's check, which runs every 30 s."""


class Settings(BaseSettings):
    """All settings; read with ``Settings()`` (environment) or built directly in tests."""

    model_config = SettingsConfigDict(env_prefix="HAMROH_", extra="ignore")

    bot_token: SecretStr = SecretStr("")
    db_path: Path = Path("data/hamroh.sqlite3")
    database_url: SecretStr | None = None
    """PostgreSQL instead of the SQLite file (the URL may hold a password)."""
    database_pool_size: int = Field(default=10, ge=1, le=100)
    """Connections each instance opens to PostgreSQL at most (instances × this must
    stay under the server's ``max_connections``)."""
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    bot_api_url: str = DEFAULT_BOT_API_URL
    rules_dir: Path = Path("rules")
    locales_dir: Path = DEFAULT_LOCALES_DIR
    font_dir: Path | None = None
    """Folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf for the timeline picture
    (default: the usual places, see ``bot/export/fonts.py``)."""
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    inactive_days: int = Field(default=180, ge=1, le=MAX_DAYS)
    """Users silent this long are deleted (``Storage.purge_inactive``); /privacy says so."""
    outbox_keep_days: int = Field(default=7, ge=0, le=MAX_DAYS)
    heartbeat_path: Path | None = None
    heartbeat_interval: float = Field(default=30.0, ge=MIN_HEARTBEAT_INTERVAL, allow_inf_nan=False)
    heartbeat_max_age: float = Field(default=120.0, gt=0, allow_inf_nan=False)
    send_rate: float = Field(default=25.0, gt=0, le=1000, allow_inf_nan=False)
    """Queued messages per second (reminders, broadcasts): the most the queue sends, less
    for a while after a 429. Replies go first, not capped by this (``bot.delivery.budget``)."""

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        """``"1, 2,3"`` → ``(1, 2, 3)``; an empty string means no admins."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
            if not all(part.isascii() and part.isdigit() and int(part) > 0 for part in parts):
                raise ValueError(
                    "use Telegram user ids (numbers) separated by commas, e.g. 123456789,987654321"
                )
            return tuple(int(part) for part in parts)
        return value

    @field_validator("db_path")
    @classmethod
    def _a_file(cls, value: Path) -> Path:
        """The database *file*: an operator may name its folder (``/data``) or nothing."""
        if str(value) in ("", "."):
            raise ValueError("name the database file, e.g. data/hamroh.sqlite3")
        if value.is_dir():
            raise ValueError(
                "this is a folder; name the database file in it, e.g. "
                f"{(value / 'hamroh.sqlite3').as_posix()}"
            )
        return value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        """``123456789:AAF...``; spaces or a newline copied with it are dropped. Said without
        the value (a secret), and before the token goes into a URL: a malformed one ended
        up in an error message about that URL."""
        if isinstance(value, str):
            value = value.strip()
            if value and not _BOT_TOKEN.match(value):
                raise ValueError(
                    "this is not a bot token (digits, a colon, then letters and digits); "
                    "copy it again from @BotFather"
                )
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _api_base(cls, value: str) -> str:
        """PTB appends ``<token>/<method>``: without ``/bot`` at the end the token lands in
        the host name (and in the error message about it)."""
        try:
            parts = urlsplit(value)
            _ = parts.port
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or (not value.endswith("/bot"))
        ):
            raise ValueError("use the address up to /bot, e.g. https://api.telegram.org/bot")
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("Telegram only sends webhooks to https:// URLs")
        if value is not None and not urlsplit(value).hostname:
            raise ValueError("name the public host, e.g. https://bot.example.org/hamroh")
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgres_url(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            if not value.startswith(("postgresql://", "postgres://")):
                raise ValueError("use a postgresql:// URL (or unset it to use HAMROH_DB_PATH)")
            try:
                _ = urlsplit(value).port
            except ValueError:  # said without the URL: it holds the password
                raise ValueError(
                    "the host and port cannot be read (postgresql://user:password@host:port/db)"
                ) from None
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_shape(cls, value: object) -> object:
        """Telegram allows 1-256 characters ``A-Z a-z 0-9 _ -``; fail at start, not at setWebhook."""
        if isinstance(value, str):
            if not value.strip():
                return None
            if not _SECRET_TOKEN.match(value):
                raise ValueError("use 1-256 characters: letters, digits, _ and -")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @model_validator(mode="after")
    def _beats_before_the_check_gives_up(self) -> Settings:
        """A heartbeat written less often than ``hamroh health`` allows makes a working bot
        look dead between beats (and Docker restart it)."""
        if self.heartbeat_interval >= self.heartbeat_max_age:
            raise ValueError(
                f"HAMROH_HEARTBEAT_INTERVAL ({self.heartbeat_interval:g} s) must be shorter "
                f"than HAMROH_HEARTBEAT_MAX_AGE ({self.heartbeat_max_age:g} s)"
            )
        return self

    @property
    def heartbeat_file(self) -> Path:
        """``HAMROH_HEARTBEAT_PATH``, else ``heartbeat`` in the database's folder (the volume)."""
        return self.heartbeat_path or self.db_path.parent / "heartbeat"

    @property
    def storage_target(self) -> str | Path:
        """What ``bot.storage.open_storage`` opens: the PostgreSQL URL if set, else the file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.db_path

    @property
    def use_webhook(self) -> bool:
        """A webhook URL switches the bot from long polling to a webhook server."""
        return self.webhook_url is not None

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids


class SettingsInvalid(Exception):
    """A ``HAMROH_*`` variable has a value that cannot be used.

    ``problems`` are one line each: the variable, the value it has (a secret only by its
    length, a token or password inside a URL hidden) and what it should be.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


_UNITS = {
    "inactive_days": "days",
    "outbox_keep_days": "days",
    "heartbeat_interval": "seconds",
    "heartbeat_max_age": "seconds",
    "send_rate": "messages per second",
}
_NUMBER_ERRORS = ("int_", "float_", "finite_number", "greater_than", "less_than")
_TOKEN_INSIDE = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
_PASSWORD_INSIDE = re.compile(r"(//[^/@:\s]*:)[^/@\s]*@")
_SHOWN_LENGTH = 200


def _given(field: str, value: object) -> str:
    """``is "abc"`` for the line about a variable; a secret only by its length, and a
    token or a password inside another value (a URL) hidden."""
    text = value if isinstance(value, str) else str(value)
    info = Settings.model_fields.get(field)
    if info is not None and SecretStr in (info.annotation, *get_args(info.annotation)):
        return f"(not shown: a secret of {len(text)} characters)"
    if not text:
        return "is empty"
    text = _PASSWORD_INSIDE.sub(r"\1…@", _TOKEN_INSIDE.sub("<token>", text))
    if len(text) > _SHOWN_LENGTH:
        text = text[: _SHOWN_LENGTH - 1] + "…"
    return "is " + json.dumps(text, ensure_ascii=False)  # one line: a newline as \n


def _expected_number(field: str) -> str:
    """What a number setting should be, from the field's type and bounds: ``use a whole
    number from 1 to 36500 (days)``."""
    info = Settings.model_fields[field]
    bounds: dict[str, float] = {}
    for item in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if getattr(item, name, None) is not None:
                bounds[name] = getattr(item, name)
    kind = "a whole number" if info.annotation is int else "a number"
    if "ge" in bounds and "le" in bounds:
        span = f" from {bounds['ge']:g} to {bounds['le']:g}"
    elif "ge" in bounds:
        span = f" of {bounds['ge']:g} or more"
    elif "gt" in bounds:
        span = f" above {bounds['gt']:g}" + (
            f", at most {bounds['le']:g}" if "le" in bounds else ""
        )
    else:
        span = ""
    unit = f" ({_UNITS[field]})" if field in _UNITS else ""
    return f"use {kind}{span}{unit}"


def _problem_line(problem: Any) -> str:
    """One line an operator reads: the variable, what it is now, what it should be."""
    if not problem["loc"]:  # two settings that do not fit together: the text names both
        return str(problem["msg"]).removeprefix("Value error, ")
    field = str(problem["loc"][0])
    name = "HAMROH_" + "_".join(str(part) for part in problem["loc"]).upper()
    kind = str(problem["type"])
    if kind == "value_error":
        reason = str(problem["ctx"]["error"])
    elif kind.startswith(_NUMBER_ERRORS) and field in Settings.model_fields:
        reason = _expected_number(field)
    elif kind == "literal_error":
        reason = "use " + str(problem["ctx"]["expected"]).replace("'", "")
    else:
        reason = str(problem["msg"])
    return f"{name} {_given(field, problem['input'])}: {reason}"


def read_settings() -> Settings:
    """``Settings()`` from the environment, or :class:`SettingsInvalid` saying what is wrong."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsInvalid([_problem_line(problem) for problem in error.errors()]) from None
