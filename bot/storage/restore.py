"""Put a SQLite backup back in place of the database file (``hamroh db restore``).

Why not ``cp backup.sqlite3 data/hamroh.sqlite3``: after a crash the database has a
``-wal`` file beside it with writes not yet in the main file. A copied-in backup next
to the old ``-wal`` is a mismatched pair, which SQLite may "recover" into a damaged
file; and the database that was there is gone. Here the backup is checked first
(``quick_check``, a schema this code knows), the database that was there is kept
beside it under a dated name *with* its ``-wal`` (so it still opens with everything it
held), and the backup is copied in under a temporary name and renamed into place,
owner-only. Nothing is lost, and nothing is half-written.

The bot must not be running (the caller checks its heartbeat): a running bot keeps
the old file open and would go on writing into it (it notices and says so, see
``bot.ops.hooks.DatabaseFile``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.storage.backup_check import CopyFacts, DamagedCopyError, check_sqlite_copy
from bot.storage.errors import why_not_opened
from bot.storage.migrations import SCHEMA_VERSION

COMPANIONS = ("-wal", "-shm", "-journal")


class RestoreError(RuntimeError):
    """The backup cannot be put in place; the message says why in one line."""


@dataclass(frozen=True)
class Restored:
    """What was restored, and where the database that was there is now."""

    facts: CopyFacts
    kept: Path | None


def _fold_log_in(db_path: Path) -> None:
    """Best effort: write the ``-wal`` into the file, so the kept copy is one file."""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(db_path, timeout=1, isolation_level=None)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def restore_sqlite(backup: Path, db_path: Path, stamp: str) -> Restored:
    """Check ``backup``, keep the database at ``db_path`` as ``<name>.before-restore-<stamp>``
    (with its ``-wal``), and copy the backup into its place."""
    if not backup.is_file():
        raise RestoreError(f"no backup at {backup}")
    try:
        facts = check_sqlite_copy(backup)
    except DamagedCopyError as error:
        raise RestoreError(f"{error}; the database was left as it was") from None
    if facts.schema_version > SCHEMA_VERSION:
        raise RestoreError(
            f"{backup} has schema version {facts.schema_version}, newer than this code "
            f"knows ({SCHEMA_VERSION}); restore it with the version that made it"
        )
    if backup.resolve() == db_path.resolve():
        raise RestoreError("the backup is the database itself")
    kept: Path | None = None
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=db_path.name + ".", suffix=".restoring", dir=db_path.parent
        )
        os.close(fd)
    except OSError as error:
        raise RestoreError(f"cannot write into {db_path.parent}: {why_not_opened(error)}") from None
    try:
        shutil.copyfile(backup, tmp_name)
        os.chmod(tmp_name, 0o600)
        with open(tmp_name, "rb") as handle:
            os.fsync(handle.fileno())
        if db_path.exists():
            _fold_log_in(db_path)
            kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
            os.replace(db_path, kept)
            for suffix in COMPANIONS:  # the log goes with its file: the pair stays a pair
                companion = db_path.with_name(db_path.name + suffix)
                if companion.exists():
                    os.replace(companion, kept.with_name(kept.name + suffix))
        os.replace(tmp_name, db_path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        where = f"; the database that was there is kept as {kept}" if kept else ""
        raise RestoreError(f"cannot restore to {db_path}: {why_not_opened(error)}{where}") from None
    return Restored(facts, kept)
