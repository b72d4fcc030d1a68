"""A HAMROH_* variable that cannot be used stops a command with one line per variable
and exit 2, in words an operator reads: its name, the value it has (a secret only by its
length), what it should be; no traceback, no pydantic wording ("Value error, …",
"Input should be …")."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        (
            ["run"],
            {"HAMROH_WEBHOOK_PORT": "abc"},
            'HAMROH_WEBHOOK_PORT is "abc": use a whole number from 1 to 65535\n',
        ),
        (
            ["health"],
            {"HAMROH_INACTIVE_DAYS": "0"},
            'HAMROH_INACTIVE_DAYS is "0": use a whole number from 1 to 36500 (days)\n',
        ),
        (
            ["web", "--port", "8099"],
            {"HAMROH_LOG_LEVEL": "loud"},
            'HAMROH_LOG_LEVEL is "loud": use DEBUG, INFO, WARNING, ERROR or CRITICAL\n',
        ),
        (
            ["db", "retention"],
            {"HAMROH_SEND_RATE": "fast"},
            'HAMROH_SEND_RATE is "fast": use a number above 0, at most 1000 (messages per second)\n',
        ),
        (
            ["db", "retention"],
            {"HAMROH_INACTIVE_DAYS": "1000000000"},
            'HAMROH_INACTIVE_DAYS is "1000000000": use a whole number from 1 to 36500 (days)\n',
        ),
        (
            ["run"],
            {"HAMROH_OUTBOX_KEEP_DAYS": "99999999"},
            'HAMROH_OUTBOX_KEEP_DAYS is "99999999": use a whole number from 0 to 36500 (days)\n',
        ),
        (
            ["run"],
            {"HAMROH_DATABASE_POOL_SIZE": "0"},
            'HAMROH_DATABASE_POOL_SIZE is "0": use a whole number from 1 to 100\n',
        ),
        (
            ["run"],
            {"HAMROH_ADMIN_IDS": "123456789,@ngo_admin"},
            'HAMROH_ADMIN_IDS is "123456789,@ngo_admin": use Telegram user ids (numbers) '
            "separated by commas, e.g. 123456789,987654321\n",
        ),
        (
            ["broadcast", "list"],
            {"HAMROH_ADMIN_IDS": "-100123456"},
            'HAMROH_ADMIN_IDS is "-100123456": use Telegram user ids (numbers) separated by '
            "commas, e.g. 123456789,987654321\n",
        ),
        (
            ["db", "retention"],
            {"HAMROH_SEND_RATE": "nan"},
            'HAMROH_SEND_RATE is "nan": use a number above 0, at most 1000 (messages per second)\n',
        ),
        (
            ["health"],
            {"HAMROH_HEARTBEAT_MAX_AGE": "inf"},
            'HAMROH_HEARTBEAT_MAX_AGE is "inf": use a number above 0 (seconds)\n',
        ),
        (
            ["broadcast", "list"],
            {"HAMROH_DATABASE_URL": "mysql://hamroh:topsecret@db/hamroh"},
            "HAMROH_DATABASE_URL (not shown: a secret of 34 characters): use a postgresql:// URL "
            "(or unset it to use HAMROH_DB_PATH)\n",
        ),
    ],
)
def test_a_bad_setting_is_one_line_with_the_variable_its_value_and_what_it_should_be(
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
    assert err == f"hamroh {command[0]}: {expected}"  # not pydantic's "Value error, …"
    assert "topsecret" not in err and "mysql" not in err  # a secret is shown by its length only


def test_every_bad_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HAMROH_INACTIVE_DAYS", "0")
    monkeypatch.setenv("HAMROH_HEARTBEAT_INTERVAL", "-1")
    assert main(["health"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        'hamroh health: HAMROH_INACTIVE_DAYS is "0": use a whole number from 1 to 36500 (days)',
        'hamroh health: HAMROH_HEARTBEAT_INTERVAL is "-1": use a number of 0.05 or more (seconds)',
    ]


@pytest.mark.parametrize("interval", ["0.001", "0.049", "0"])
def test_a_heartbeat_interval_that_would_keep_a_core_busy_is_refused(
    interval: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """0.001 s rewrote the file and asked the database a thousand times a second."""
    monkeypatch.setenv("HAMROH_HEARTBEAT_INTERVAL", interval)
    assert main(["health"]) == 2
    assert capsys.readouterr().err == (
        f'hamroh health: HAMROH_HEARTBEAT_INTERVAL is "{interval}": use a number of 0.05 or '
        "more (seconds)\n"
    )


def test_the_shortest_heartbeat_interval_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import read_settings

    monkeypatch.setenv("HAMROH_HEARTBEAT_INTERVAL", "0.05")
    assert read_settings().heartbeat_interval == 0.05


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
        f'hamroh {command[0]}: HAMROH_DB_PATH is "{tmp_path}/": this is a folder; name the '
        f"database file in it, e.g. {tmp_path}/hamroh.sqlite3\n"
    )
    monkeypatch.setenv("HAMROH_DB_PATH", "")
    assert main(command) == 2
    assert capsys.readouterr().err == (
        f"hamroh {command[0]}: HAMROH_DB_PATH is empty: name the database file, "
        "e.g. data/hamroh.sqlite3\n"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"HAMROH_BOT_API_URL": "https://api.telegram.org"},  # without /bot
            'HAMROH_BOT_API_URL is "https://api.telegram.org": use the address up to /bot, '
            "e.g. https://api.telegram.org/bot\n",
        ),
        (
            {"HAMROH_BOT_API_URL": "api.telegram.org/bot"},
            'HAMROH_BOT_API_URL is "api.telegram.org/bot": use the address up to /bot, '
            "e.g. https://api.telegram.org/bot\n",
        ),
        (  # the token pasted onto the address: said without it
            {"HAMROH_BOT_API_URL": "https://api.telegram.org/bot123456789:AAFakeSecretForTheTest"},
            'HAMROH_BOT_API_URL is "https://api.telegram.org/bot<token>": use the address up '
            "to /bot, e.g. https://api.telegram.org/bot\n",
        ),
        (
            {"HAMROH_BOT_TOKEN": "AAFakeSecretPartOnly"},  # the digits and colon not copied
            "HAMROH_BOT_TOKEN (not shown: a secret of 20 characters): this is not a bot token "
            "(digits, a colon, then letters and digits); copy it again from @BotFather\n",
        ),
        (
            {"HAMROH_WEBHOOK_URL": "https://"},
            'HAMROH_WEBHOOK_URL is "https://": name the public host, e.g. '
            "https://bot.example.org/hamroh\n",
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
    assert err == f"hamroh run: {expected}"
    assert "AAFake" not in err


def test_a_token_copied_with_spaces_or_a_newline_is_used_without_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.settings import read_settings

    monkeypatch.setenv("HAMROH_BOT_TOKEN", "  123456789:AAFakeSecretForTheTest\n")
    assert read_settings().bot_token.get_secret_value() == "123456789:AAFakeSecretForTheTest"
