"""Message payload validation and the shared send budget."""

from __future__ import annotations

import pytest

from bot.delivery import MessagePayload, SendBudget, inline_keyboard
from bot.delivery.payload import visible_length
from bot.testing import FakeClock


def test_payload_round_trip_and_keyboard_helper() -> None:
    markup = inline_keyboard([[("Ҳа", "yes"), ("Сайт", "https://mvd.ru")]])
    payload = MessagePayload("<b>Эслатма</b>", parse_mode="HTML", reply_markup=markup)
    assert MessagePayload.from_json(payload.to_json()) == payload
    assert markup["inline_keyboard"][0][1] == {"text": "Сайт", "url": "https://mvd.ru"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 4097},
        {"text": "x", "parse_mode": "Markdown"},
        {"text": "x", "reply_markup": {"keyboard": []}},
        {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a"}]]}},
        {
            "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "ю" * 33}]]},
        },
        {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}},
    ],
)
def test_bad_payloads_are_refused_at_enqueue_time(kwargs) -> None:
    with pytest.raises(ValueError):
        MessagePayload(**kwargs)


def test_an_html_text_is_as_long_as_what_people_read() -> None:
    """Each entity the Bot API reads is one character; a name it does not read is shown
    as it is typed, so it counts as typed."""
    assert visible_length("<b>a</b>&nbsp;&mdash;&amp;&#160;&#x2014;", "HTML") == 6
    assert visible_length("&copy;", "HTML") == 6
    assert visible_length("<b>a</b>", None) == 8
    MessagePayload("<b>" + "я" * 4000 + "</b>" + "&nbsp;" * 96, parse_mode="HTML")
    with pytest.raises(ValueError):
        MessagePayload("&nbsp;" * 4097, parse_mode="HTML")


@pytest.mark.parametrize("raw", ["not json", "[]", '{"text": ""}', '{"text": 5}'])
def test_damaged_stored_payload_raises_value_error(raw: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        MessagePayload.from_json(raw)


async def test_bulk_sends_are_paced_without_burst() -> None:
    clock = FakeClock()
    budget = SendBudget(10, clock=clock)
    starts = []
    for _ in range(5):
        await budget.acquire()
        starts.append(clock.monotonic())
    assert starts == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


async def test_interactive_sends_go_first_and_push_bulk_back() -> None:
    clock = FakeClock()
    budget = SendBudget(10, clock=clock)
    await budget.acquire()  # bulk at t=0; the next bulk slot is t=0.1
    waits = [await budget.acquire_interactive() for _ in range(4)]
    assert waits == [0.0, 0.0, 0.0, 0.0]  # no waiting behind the queue, no cap of ours
    assert budget.bulk_delay() == pytest.approx(0.5)  # the queue yields four slots


async def test_halt_is_never_shortened() -> None:
    """Regression guard for PTB #5338: a shorter 429 must not end a longer halt."""
    clock = FakeClock()
    budget = SendBudget(30, clock=clock)
    budget.halt(5)
    budget.halt(1)
    assert budget.halted_for() == pytest.approx(5)
    assert budget.bulk_delay() == pytest.approx(5)
    await budget.acquire()
    assert clock.monotonic() == pytest.approx(5)


@pytest.mark.parametrize("rate", [0, -1, 1001, float("nan"), True])
def test_rate_bounds(rate) -> None:
    with pytest.raises(ValueError):
        SendBudget(rate)
    budget = SendBudget(30)
    budget.set_rate(1000)
    assert budget.interval == pytest.approx(0.001)


async def test_high_rates_allow_a_10ms_bulk_burst_only() -> None:
    clock = FakeClock()
    assert SendBudget(30, clock=clock).bulk_burst == 1
    assert SendBudget(199, clock=clock).bulk_burst == 1
    fast = SendBudget(1000, clock=clock)
    assert fast.bulk_burst == 10
    for _ in range(10):  # ten slots without sleeping …
        assert fast.bulk_delay() == 0
        fast.take_bulk()
    assert fast.bulk_delay() == pytest.approx(0.001)  # … then back to 1 ms per message
    for _ in range(990):
        await fast.acquire()
    assert clock.monotonic() == pytest.approx(0.99, abs=0.002)  # 1000 sends in ~1 s …
    await fast.acquire()
    assert clock.monotonic() == pytest.approx(1.002)  # … and not one more in the window
