"""A real PostgreSQL server for the tests: Debian's binaries, a temporary folder, a Unix socket.

Why a real server: the PostgreSQL backend's claims (``FOR UPDATE SKIP LOCKED``),
advisory locks and types only mean something on PostgreSQL itself. The server starts
once per test session (``initdb`` + ``pg_ctl``, about 2 s) with durability switched
off (tests do not survive power cuts), listens only on a socket in its folder, and is
stopped at the end. Each test gets the migrated test database emptied (one
``DELETE`` per table: milliseconds, where a new database per test took more than a
second on a busy machine).

PostgreSQL refuses to run as root: as root, the folder is given to the ``postgres``
user and the tools run through ``runuser -u postgres --``.

Without the binaries the PostgreSQL tests are skipped with the reason, except in CI
(``CI`` set), where a missing server is a failure, not a silent skip.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PORT = 5432


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


class PostgresServer:
    """A running server; :meth:`new_database` hands out empty, migrated databases."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "socket"
        self._as_postgres = os.geteuid() == 0

    def _run(self, tool: str, *args: str) -> None:
        argv = [str(self.bin_dir / tool), *args]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-k {self.socket_dir} -p {PORT} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self._create_template()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.encode())

    def _create_template(self) -> None:
        from bot.storage.postgres import PostgresDatabase

        self._admin("CREATE DATABASE hamroh_test")

        async def migrate() -> None:
            db = await PostgresDatabase.open(self.url("hamroh_test"), pool_size=1)
            await db.close()

        # On a thread of its own: the fixture may be set up while a test's loop runs.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, migrate()).result()

    def new_database(self) -> str:
        """The URL of the test database, emptied, with the current schema."""
        import psycopg

        url = self.url("hamroh_test")
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'hamroh_schema' ORDER BY 1"
                )
            ]
            # DELETE, not TRUNCATE: the tables are tiny, and TRUNCATE's new files cost
            # ~0.4 s per test. Replica mode skips the foreign-key checks between them.
            conn.execute("SET session_replication_role = replica")
            for table in tables:
                conn.execute(f"DELETE FROM {table}".encode())
        return url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (skipped without binaries, failing in CI)."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        reason = "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb)"
        if _in_ci():
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(f"{reason}: apt-get install postgresql to run these tests")
    server = PostgresServer(bin_dir, Path(tempfile.mkdtemp(prefix="hamroh-pg-")))
    try:
        server.start()
    except (OSError, subprocess.SubprocessError) as error:
        log = server.root / "server.log"
        detail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {error}\n{detail}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, migrated database for one test."""
    return postgres_server.new_database()
