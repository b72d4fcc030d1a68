"""Test support: a fake Telegram Bot API (in-process and over loopback HTTP) and a fake clock.

Shipped inside the package (not under ``tests/``) because the benchmarks and the
lead's handler tests use it too.
"""

from bot.testing.clock import FakeClock
from bot.testing.fake_bot_api import (
    DEFAULT_TOKEN,
    ApiCall,
    FakeBotAPI,
    FakeRequest,
    SentMessage,
    buttons,
)
from bot.testing.fake_errors import (
    BLOCKED,
    CHAT_NOT_FOUND,
    CONNECTION_LOST,
    NOT_FOUND,
    TIMED_OUT,
    TIMED_OUT_AFTER_DELIVERY,
    USER_DEACTIVATED,
    ApiError,
    NetworkFailure,
    flood,
)

__all__ = [
    "BLOCKED",
    "CHAT_NOT_FOUND",
    "CONNECTION_LOST",
    "DEFAULT_TOKEN",
    "NOT_FOUND",
    "TIMED_OUT",
    "TIMED_OUT_AFTER_DELIVERY",
    "USER_DEACTIVATED",
    "ApiCall",
    "ApiError",
    "FakeBotAPI",
    "FakeClock",
    "FakeRequest",
    "NetworkFailure",
    "SentMessage",
    "buttons",
    "flood",
]
