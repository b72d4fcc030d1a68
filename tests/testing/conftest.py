"""Fixtures for the fake Bot API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.testing import FakeBotAPI, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock shared by the fake API and the code under test."""
    return FakeClock()


@pytest.fixture
def api(clock: FakeClock) -> FakeBotAPI:
    """A fresh fake Bot API."""
    return FakeBotAPI(clock=clock)


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    """A real PTB ``Bot`` wired to the fake through the in-process transport."""
    async with Bot(api.token, request=api.request(), get_updates_request=api.request()) as b:
        yield b
