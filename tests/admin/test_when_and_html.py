"""Admin input: send times (Moscow by default, with reasons for bad input) and broadcast HTML."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.admin.html import check_html, plain_to_html
from bot.admin.stats import stats_lines
from bot.admin.when import SendTime, format_moscow, parse_send_time
from bot.storage import Stats

NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)  # 12:00 in Moscow


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06.03.2025 10:00", dt.datetime(2025, 3, 6, 7, 0, tzinfo=dt.UTC)),
        ("2025-03-06 10", dt.datetime(2025, 3, 6, 7, 0, tzinfo=dt.UTC)),
        ("6 марта 2025 10:30", dt.datetime(2025, 3, 6, 7, 30, tzinfo=dt.UTC)),
        ("завтра 09:00", dt.datetime(2025, 3, 6, 6, 0, tzinfo=dt.UTC)),
        ("06.03.2025 10:00 UTC", dt.datetime(2025, 3, 6, 10, 0, tzinfo=dt.UTC)),
        ("06.03.2025 10:00 UTC+5", dt.datetime(2025, 3, 6, 5, 0, tzinfo=dt.UTC)),
        ("06.03.2025 10:00 +05:00", dt.datetime(2025, 3, 6, 5, 0, tzinfo=dt.UTC)),
        ("06.03.2025 10:00 Asia/Dushanbe", dt.datetime(2025, 3, 6, 5, 0, tzinfo=dt.UTC)),
    ],
)
def test_send_times_moscow_unless_given(text: str, expected: dt.datetime) -> None:
    parsed = parse_send_time(text, NOW)
    assert isinstance(parsed, SendTime) and parsed.at == expected and not parsed.immediate


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "write a day and an hour"),
        ("06.03.2025", "give the hour too"),
        ("31.02.2025 10:00", "there is no such day"),
        ("06.13.2025 10:00", "there is no such month"),
        ("06.03.2025 25:00", "there is no time 25:00"),
        ("04.03.2025 10:00", "already passed"),
        ("06.03.2025 10:00 Mars/Olympus", "unknown time zone"),
        ("blah 10:00", "could not read the day"),
    ],
)
def test_bad_send_times_get_a_reason(text: str, reason: str) -> None:
    parsed = parse_send_time(text, NOW)
    assert isinstance(parsed, str) and reason in parsed


def test_now_and_formatting() -> None:
    parsed = parse_send_time("сейчас", NOW)
    assert isinstance(parsed, SendTime) and parsed.immediate and parsed.at == NOW
    assert format_moscow(NOW) == "05.03.2025 12:00 MSK"


def test_broadcast_html_is_checked() -> None:
    assert check_html('<b>Важно</b> <a href="https://mvd.ru">МВД</a> &amp; ФМС') is None
    assert "never closed" in check_html("<b>Важно")
    assert "<div>" in check_html("<div>x</div>")
    assert "&amp;" in check_html("Tom & Jerry")
    assert "&lt;" in check_html("1 < 2")
    assert check_html("Срок&nbsp;— 30&nbsp;дней &mdash; &#169; &#x2014; &quot;МВД&quot;") is None
    assert "&copy;" in (check_html("&copy; НКО") or "")  # not a name the Bot API reads
    assert "&Nbsp;" in (check_html("a&Nbsp;b") or "")  # names are case-sensitive
    assert plain_to_html("1 < 2 & 3") == "1 &lt; 2 &amp; 3"


def test_stats_lines_show_counts_only() -> None:
    stats = Stats(
        users_total=5,
        users_active=4,
        by_locale={"ky": 3, "ru": 2},
        by_citizenship={"KG": 3, "none": 2},
        by_status={"legal": 3},
        reminders_by_state={"sent": 7, "failed": 1, "scheduled": 9},
        outbox_by_kind_state={("broadcast", "sent"): 4},
    )
    lines = stats_lines(stats)
    assert lines[0] == "Users: 5 (4 active, 1 blocked the bot)"
    assert "Citizenship: KG 3, — 2" in lines
    assert "Reminders: 7 sent, 1 failed, 9 planned" in lines
    assert "Send queue: broadcast sent 4" in lines
