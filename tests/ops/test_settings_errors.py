"""A HAMROH_* variable that cannot be used stops a command with one line per variable
and exit 2: its name and the reason, never its value (it may be a secret), and no
traceback."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        (
            ["run"],
            {"HAMROH_WEBHOOK_PORT": "abc"},
            "HAMROH_WEBHOOK_PORT: Input should be a valid integer",
        ),
        (
            ["health"],
            {"HAMROH_INACTIVE_DAYS": "0"},
            "HAMROH_INACTIVE_DAYS: Input should be greater",
        ),
        (["web", "--port", "8099"], {"HAMROH_LOG_LEVEL": "loud"}, "HAMROH_LOG_LEVEL: Value error"),
        (["db", "retention"], {"HAMROH_SEND_RATE": "fast"}, "HAMROH_SEND_RATE: Input should be"),
        (
            ["db", "retention"],
            {"HAMROH_INACTIVE_DAYS": "1000000000"},
            "HAMROH_INACTIVE_DAYS: Input should be less than or equal to 36500",
        ),
        (
            ["run"],
            {"HAMROH_OUTBOX_KEEP_DAYS": "99999999"},
            "HAMROH_OUTBOX_KEEP_DAYS: Input should be less than or equal to 36500",
        ),
        (["run"], {"HAMROH_DATABASE_POOL_SIZE": "0"}, "HAMROH_DATABASE_POOL_SIZE: Input should be"),
        (
            ["run"],
            {"HAMROH_ADMIN_IDS": "123456789,@ngo_admin"},
            "HAMROH_ADMIN_IDS: Value error, use Telegram user ids (numbers) separated by commas",
        ),
        (
            ["broadcast", "list"],
            {"HAMROH_ADMIN_IDS": "-100123456"},
            "HAMROH_ADMIN_IDS: Value error, use Telegram user ids",
        ),
        (
            ["db", "retention"],
            {"HAMROH_SEND_RATE": "nan"},
            "HAMROH_SEND_RATE: Input should be a finite number",
        ),
        (
            ["health"],
            {"HAMROH_HEARTBEAT_MAX_AGE": "inf"},
            "HAMROH_HEARTBEAT_MAX_AGE: Input should be a finite",
        ),
        (
            ["broadcast", "list"],
            {"HAMROH_DATABASE_URL": "mysql://hamroh:topsecret@db/hamroh"},
            "HAMROH_DATABASE_URL: Value error, use a postgresql:// URL",
        ),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_2(
    command: list[str],
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HAMROH_BOT_TOKEN", "123:abc")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hamroh {command[0]}: {expected}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    for value in env.values():
        assert value not in err
    assert "topsecret" not in err


def test_every_bad_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HAMROH_INACTIVE_DAYS", "0")
    monkeypatch.setenv("HAMROH_HEARTBEAT_INTERVAL", "-1")
    assert main(["health"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "HAMROH_INACTIVE_DAYS",
        "HAMROH_HEARTBEAT_INTERVAL",
    ]


def test_a_heartbeat_slower_than_the_health_check_allows_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every beat would come after ``hamroh health`` gave up: a working bot looks dead
    (and Docker restarts it) for most of each interval."""
    monkeypatch.setenv("HAMROH_HEARTBEAT_INTERVAL", "300")
    assert main(["health"]) == 2
    assert capsys.readouterr().err == (
        "hamroh health: HAMROH_HEARTBEAT_INTERVAL (300 s) must be shorter than "
        "HAMROH_HEARTBEAT_MAX_AGE (120 s)\n"
    )


@pytest.mark.parametrize("command", [["run"], ["db", "retention"], ["broadcast", "list"]])
def test_a_database_path_that_names_a_folder_or_nothing_says_so(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys, tmp_path
) -> None:
    """Not "the folder or the file is not writable" (``hamroh run``) or "no database"."""
    monkeypatch.setenv("HAMROH_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("HAMROH_DB_PATH", f"{tmp_path}/")
    assert main(command) == 2
    assert capsys.readouterr().err == (
        f"hamroh {command[0]}: HAMROH_DB_PATH: Value error, this is a folder; name the "
        f"database file in it, e.g. {tmp_path}/hamroh.sqlite3\n"
    )
    monkeypatch.setenv("HAMROH_DB_PATH", "")
    assert main(command) == 2
    assert capsys.readouterr().err == (
        f"hamroh {command[0]}: HAMROH_DB_PATH: Value error, name the database file, "
        "e.g. data/hamroh.sqlite3\n"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"HAMROH_BOT_API_URL": "https://api.telegram.org"},  # without /bot
            "HAMROH_BOT_API_URL: Value error, use the address up to /bot, e.g. "
            "https://api.telegram.org/bot",
        ),
        (
            {"HAMROH_BOT_API_URL": "api.telegram.org/bot"},
            "HAMROH_BOT_API_URL: Value error, use the address up to /bot",
        ),
        (
            {"HAMROH_BOT_TOKEN": "AAFakeSecretPartOnly"},  # the digits and colon not copied
            "HAMROH_BOT_TOKEN: Value error, this is not a bot token",
        ),
        (
            {"HAMROH_WEBHOOK_URL": "https://"},
            "HAMROH_WEBHOOK_URL: Value error, name the public host",
        ),
    ],
)
def test_an_address_or_token_that_cannot_work_is_refused_without_showing_the_token(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """``https://api.telegram.org`` without ``/bot`` put the token into the host name, and
    the URL error quoted its secret part ("Invalid port: 'AAF…'")."""
    monkeypatch.setenv("HAMROH_BOT_TOKEN", "123456789:AAFakeSecretForTheTest")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hamroh run: {expected}") and err.count("\n") == 1
    assert "AAFake" not in err


def test_a_token_copied_with_spaces_or_a_newline_is_used_without_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.settings import read_settings

    monkeypatch.setenv("HAMROH_BOT_TOKEN", "  123456789:AAFakeSecretForTheTest\n")
    assert read_settings().bot_token.get_secret_value() == "123456789:AAFakeSecretForTheTest"
