"""Checks and edits of a campaign's texts (one per locale, Telegram HTML)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.delivery.payload import MessagePayload
from bot.storage.campaign_models import FALLBACK_LOCALE


def check_texts(texts: Mapping[str, str]) -> None:
    """Raise ``ValueError`` unless there is a Russian text and every text fits a message."""
    if not (texts.get(FALLBACK_LOCALE) or "").strip():
        raise ValueError("a Russian text is required: it also goes to users without their own")
    for text in texts.values():
        MessagePayload(text, parse_mode="HTML")  # length and emptiness checks


def merge_texts(
    texts: Mapping[str, str], updates: Iterable[tuple[str, str | None]]
) -> dict[str, str]:
    """``texts`` with some locales set (``None`` removes one)."""
    merged = dict(texts)
    for locale, text in updates:
        if text is None:
            merged.pop(locale, None)
        else:
            merged[locale] = text
    return merged
