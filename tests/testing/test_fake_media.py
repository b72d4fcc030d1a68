"""sendDocument and sendPhoto on the fake: uploads kept, refused where Telegram refuses."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest
from telegram.request import HTTPXRequest

from bot.testing import FakeBotAPI
from bot.testing.fake_server import FakeBotAPIServer


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#ffffff").save(buffer, format="PNG")
    return buffer.getvalue()


async def test_a_document_arrives_with_its_name_type_caption_and_bytes(bot, api: FakeBotAPI):
    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    message = await bot.send_document(
        42,
        InputFile(content, filename="calendar.ics"),
        caption="Мөөнөттөр",
        reply_markup=keyboard,
    )
    assert isinstance(message, Message)
    assert message.document is not None and message.document.file_name == "calendar.ics"
    assert message.document.mime_type == "text/calendar"  # PTB guesses it from the name
    assert message.document.file_size == len(content)
    assert message.caption == "Мөөнөттөр" and message.text is None
    sent = api.last_message(42)
    assert sent is not None and sent.attachment is not None
    assert sent.attachment.kind == "document" and sent.attachment.content == content
    assert sent.text == "Мөөнөттөр" and api.buttons(sent) == [("OK", "ok")]
    assert api.calls_to("sendDocument")[0].files["document"].filename == "calendar.ics"


async def test_a_photo_arrives_with_its_size(bot, api: FakeBotAPI):
    message = await bot.send_photo(7, _png(1080, 1400), caption="Timeline")
    assert message.photo and (message.photo[-1].width, message.photo[-1].height) == (1080, 1400)
    sent = api.last_message(7)
    assert sent is not None and sent.attachment is not None and sent.attachment.kind == "photo"
    assert Image.open(io.BytesIO(sent.attachment.content)).size == (1080, 1400)


async def test_refused_like_telegram(bot, api: FakeBotAPI):
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_document(1, InputFile(b"x", filename="a.txt"), caption="й" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(1, b"not a picture")
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await bot.send_photo(1, _png(2000, 60))
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(1, "some-file-id-the-fake-never-saw")
    assert api.messages(1) == []


async def test_uploads_over_loopback_http_too():
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        request = HTTPXRequest()
        async with Bot(api.token, base_url=server.base_url, request=request) as bot:
            message = await bot.send_document(
                5, InputFile(b"ics bytes", filename="calendar.ics"), caption="Срок"
            )
    assert message.document is not None and message.document.file_name == "calendar.ics"
    sent = api.last_message(5)
    assert sent is not None and sent.attachment is not None
    assert sent.attachment.content == b"ics bytes" and sent.text == "Срок"
