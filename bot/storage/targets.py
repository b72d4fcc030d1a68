"""What a storage setting names: a SQLite file or a PostgreSQL URL, and how to say it.

Kept apart from :mod:`bot.storage.factory` so the backends can word their errors
with :func:`describe_target` without importing the module that opens them.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def describe_target(target: str | os.PathLike[str]) -> str:
    """``target`` for a message: a file path, or a URL without its password."""
    if not is_postgres_url(target):
        return str(target)
    try:
        parts = urlsplit(str(target))
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
    except ValueError:  # a port that is not a number, a broken [IPv6]: say no more than the scheme
        return str(target).split("//", 1)[0] + "//…"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


def redact_password(text: str, target: str | os.PathLike[str]) -> str:
    """``text`` (a driver's error message) with ``target``'s password taken out.

    libpq quotes parts of the URL it could not read (``invalid percent-encoded token:
    "s3cret%zz"``), and such a message goes to the operator's terminal and the logs.
    """
    if not is_postgres_url(target):
        return text
    userinfo = str(target).split("//", 1)[1].rsplit("@", 1)
    if len(userinfo) < 2 or ":" not in userinfo[0]:
        return text
    password = userinfo[0].split(":", 1)[1]
    for secret in {password, unquote(password)}:
        if secret:
            text = text.replace(secret, "***")
    return text
