"""The sender's ``sendMessage`` call: same request and same exceptions as ``bot.send_message``.

The sender posts through :mod:`bot.delivery.raw_api` (the bot's own ``request``
object, behind the Application's rate limiter) so PTB does not build a ``Message`` it
never reads, nor run ``do_api_request``'s checks and warning. These tests pin what must
not change with that: the parameters Telegram receives, the exception PTB raises for
every error class the sender handles, the rate-limiter path with :data:`QUEUE_SEND`,
and that the call warns nothing and logs no text.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from typing import Any

import pytest
from telegram import Bot, BotCommand, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ApplicationBuilder
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter
from telegram.warnings import PTBUserWarning

from bot.delivery import (
    QUEUE_SEND,
    BudgetRateLimiter,
    MessagePayload,
    OutboxItem,
    OutboxRow,
    SendBudget,
    Sender,
    raw_api,
    retry_after_seconds,
)
from bot.delivery.sender import send_message_params
from bot.testing import (
    BLOCKED,
    CHAT_NOT_FOUND,
    CONNECTION_LOST,
    TIMED_OUT,
    ApiError,
    FakeBotAPI,
    FakeClock,
    flood,
)
from bot.testing.fake_errors import NOT_FOUND, UNAUTHORIZED
from tests.delivery.conftest import limited_app

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Batafsil", "callback_data": "more:1"}, {"text": "Sayt", "url": "https://mvd.ru"}]
    ]
}
PAYLOADS = [
    MessagePayload("Eslatma"),
    MessagePayload("<b>Muhim</b> & <i>shoshilinch</i>", parse_mode="HTML", reply_markup=KEYBOARD),
    MessagePayload("*Diqqat*", parse_mode="MarkdownV2", disable_preview=False),
    MessagePayload("Havola: https://mvd.ru", reply_markup=KEYBOARD, disable_preview=False),
]
MIGRATED = ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", None, -1009)


def make_row(chat_id: int, payload: MessagePayload | None, *, paid: bool = False) -> OutboxRow:
    return OutboxRow(
        id=1,
        chat_id=chat_id,
        user_id=chat_id,
        kind="notice",
        priority=0,
        payload=payload,
        attempts=0,
        broadcast_id=None,
        reminder_id=None,
        paid=paid,
        not_before=dt.datetime(2025, 3, 5, tzinfo=dt.UTC),
    )


async def send_the_old_way(bot: Bot, row: OutboxRow) -> None:
    """What the sender called before: ``bot.send_message`` with PTB objects."""
    payload = row.payload
    assert payload is not None
    await bot.send_message(
        chat_id=row.chat_id,
        text=payload.text,
        parse_mode=payload.parse_mode,
        reply_markup=(
            InlineKeyboardMarkup.de_json(payload.reply_markup, bot)
            if payload.reply_markup
            else None
        ),
        link_preview_options=(
            LinkPreviewOptions(is_disabled=True) if payload.disable_preview else None
        ),
        allow_paid_broadcast=True if row.paid else None,
    )


def last_params(api: FakeBotAPI) -> dict[str, Any]:
    return api.calls_to("sendMessage")[-1].params


@pytest.mark.parametrize("paid", [False, True])
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
async def test_telegram_receives_what_send_message_would_send(
    api: FakeBotAPI, bot: Bot, clock: FakeClock, outbox, payload: MessagePayload, paid: bool
) -> None:
    api.rate_limit_per_second = None
    row = make_row(7, payload, paid=paid)
    await send_the_old_way(bot, row)
    expected = last_params(api)
    await Sender(outbox, bot, clock=clock)._deliver(row)
    assert last_params(api) == expected
    old, new = api.messages(7)
    assert (new.text, api.buttons(new)) == (old.text, api.buttons(old))


def test_damaged_payload_raises_value_error() -> None:
    with pytest.raises(ValueError, match="damaged payload"):
        send_message_params(make_row(1, None))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (flood(7), RetryAfter),
        (BLOCKED, Forbidden),
        (CHAT_NOT_FOUND, BadRequest),
        (MIGRATED, ChatMigrated),
        (CONNECTION_LOST, NetworkError),
        (TIMED_OUT, TimedOut),
        (UNAUTHORIZED, InvalidToken),
        (NOT_FOUND, InvalidToken),  # after initialize() do_api_request would say EndPointNotFound
        (ApiError(500, "Internal Server Error"), NetworkError),
    ],
    ids=lambda v: getattr(v, "description", None) or getattr(v, "__name__", repr(v)),
)
async def test_errors_raise_the_same_exceptions_as_send_message(
    api: FakeBotAPI, bot: Bot, clock: FakeClock, outbox, error: Any, expected: type[Exception]
) -> None:
    row = make_row(42, MessagePayload("Salom"))
    api.fail_next("sendMessage", error, chat_id=42)
    with pytest.raises(TelegramError) as old:
        await send_the_old_way(bot, row)
    api.fail_next("sendMessage", error, chat_id=42)
    with pytest.raises(TelegramError) as new:
        await Sender(outbox, bot, clock=clock)._deliver(row)
    assert type(new.value) is type(old.value)
    assert isinstance(new.value, expected)
    assert new.value.message == old.value.message
    if isinstance(new.value, RetryAfter):
        assert retry_after_seconds(new.value) == 7
    if isinstance(new.value, ChatMigrated):
        assert new.value.new_chat_id == -1009


async def test_queue_sends_pass_the_rate_limiter_without_spending_the_budget(
    outbox, clock: FakeClock
) -> None:
    """Through an Application's ExtBot the call still reaches the rate limiter, marked."""
    api = FakeBotAPI(clock=clock)
    seen: list[tuple[str, bool]] = []

    class Recording(BudgetRateLimiter):
        async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
            seen.append((endpoint, QUEUE_SEND.get()))
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

    budget = SendBudget(30, clock=clock)
    app = limited_app(api, Recording(budget))
    await outbox.enqueue_many(
        [OutboxItem(c, MessagePayload("Salom")) for c in (1, 2, 3)], now=clock.now()
    )
    async with app:
        seen.clear()
        await Sender(outbox, app.bot, budget=budget, clock=clock).run(until_idle=True)
    assert seen == [("sendMessage", True)] * 3
    assert sorted(api.chats()) == [1, 2, 3]


async def test_the_sender_call_warns_nothing_and_logs_no_text(
    api: FakeBotAPI, bot: Bot, clock: FakeClock, outbox, caplog: pytest.LogCaptureFixture
) -> None:
    """No warning from the sender's call (Bot and ExtBot), and the message text is not
    in the log even at debug level (PTB's own request path logs every parameter)."""
    api.rate_limit_per_second = None
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await Sender(outbox, bot, clock=clock)._deliver(make_row(1, MessagePayload("Salom")))
        app = ApplicationBuilder().token(api.token).request(api.request()).build()
        async with app:
            await Sender(outbox, app.bot, clock=clock)._deliver(make_row(2, MessagePayload("Hi")))
    assert [str(w.message) for w in caught if issubclass(w.category, PTBUserWarning)] == []
    assert "Salom" not in caplog.text and "'Hi'" not in caplog.text
    assert sorted(api.chats()) == [1, 2]


@pytest.mark.parametrize(
    "value",
    [
        "Salom",
        "",
        42,
        -1009,
        2.5,
        True,
        False,
        ParseMode.HTML,
        KEYBOARD,
        {"is_disabled": True},
        [BotCommand("start", "Boshlash"), BotCommand("forget", "Oʻchirish")],
        dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC),
        dt.timedelta(seconds=30),
        LinkPreviewOptions(is_disabled=True),
        InputFile(b"%PDF", filename="a.pdf"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_parameters_are_posted_as_ptb_posts_them(value: object) -> None:
    """:func:`raw_api.request_data` passes plain values through as they are and leaves
    everything else to PTB's own conversion: what is posted equals what PTB's request
    path builds from the same parameters, ``None`` dropped as ``Bot._post`` drops it."""
    ours = raw_api.request_data({"a": value, "b": None})
    ptb = RequestData([RequestParameter.from_input("a", value)])
    assert ours.parameters == ptb.parameters
    assert ours.json_parameters == ptb.json_parameters
    assert ours.contains_files == ptb.contains_files
    assert ours.multipart_data == ptb.multipart_data


async def test_a_reply_met_by_a_429_pauses_the_queue_and_goes_after_the_wait(
    clock: FakeClock,
) -> None:
    """The limiter retries a reply after a 429, and the wait holds the queue too."""
    api = FakeBotAPI(clock=clock)
    budget = SendBudget(2, clock=clock)  # two bulk sends per second
    app = limited_app(api, BudgetRateLimiter(budget))
    async with app:
        api.fail_next("sendMessage", flood(3), chat_id=5)
        await app.bot.send_message(5, "birinchi")  # at 0: 429; again at 3.0: accepted
        assert clock.monotonic() == pytest.approx(3.0)
        assert budget.floods == 1 and budget.bulk_rate < 2
        await app.bot.send_message(6, "ikkinchi")  # replies are not held by the window
        assert clock.monotonic() == pytest.approx(3.0)
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200, 200]


async def test_a_raw_call_met_by_a_429_pauses_the_others_and_goes_after_the_wait(
    clock: FakeClock,
) -> None:
    """The handlers' raw calls (a tap's answer, a reply) go through the limiter like the
    named methods: a 429 on one pauses every send, and it is tried again after the wait."""
    api = FakeBotAPI(clock=clock)
    budget = SendBudget(30, clock=clock)
    app = limited_app(api, BudgetRateLimiter(budget))
    async with app:
        query = api.callback_update(5, 1, "x")["callback_query"]
        api.fail_next("answerCallbackQuery", flood(3))
        await raw_api.call(app.bot, "answerCallbackQuery", {"callback_query_id": query["id"]})
        assert clock.monotonic() == pytest.approx(3.0)
        assert budget.floods == 1
        api.fail_next("sendMessage", flood(2), chat_id=5)
        await raw_api.call(app.bot, "sendMessage", {"chat_id": 5, "text": "keyin"})
        assert clock.monotonic() == pytest.approx(5.0)
    assert [c.status for c in api.calls_to("answerCallbackQuery")] == [429, 200]
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]


async def test_a_reply_still_refused_after_max_wait_is_raised_not_dropped(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    api = FakeBotAPI(clock=clock)
    app = limited_app(api, BudgetRateLimiter(SendBudget(30, clock=clock), max_wait=10))
    async with app:
        api.flood_for(60, retry_after=4)
        with pytest.raises(RetryAfter):
            await app.bot.send_message(5, "birinchi")
        with pytest.raises(RetryAfter):
            await app.bot.answer_callback_query("1")  # any call, not only messages
    assert [c.at for c in api.calls_to("sendMessage")] == pytest.approx([0, 4, 8])
    assert "sendMessage: still flood-limited after 3 attempts" in caplog.text
