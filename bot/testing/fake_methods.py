"""The Bot API methods the fake implements, as a mixin of :class:`FakeBotAPI`.

Each handler takes the normalised parameters and returns the ``result`` Telegram
would return, or raises :class:`~bot.testing.fake_model.Fail` with Telegram's error.
Validation mirrors the server where bots commonly trip: empty or too long texts,
broken HTML/MarkdownV2, ``callback_data`` over 64 bytes, "message is not modified",
two-letter language codes for command menus, HTTPS-only webhooks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from bot.testing.fake_errors import ApiError
from bot.testing.fake_model import Attachment, Fail, SentMessage, UploadedFile, bad
from bot.testing.fake_text import TextError, check_reply_markup, visible_text

MAX_CAPTION_LENGTH: Final = 1024
MAX_DOCUMENT_BYTES: Final = 50 * 1024 * 1024
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip


class BotApiMethods:
    """Method handlers; the state they use is created by ``FakeBotAPI.__init__``."""

    _transcripts: dict[int, list[SentMessage]]
    _open_callbacks: set[str]
    _updates: list[dict[str, Any]]
    answered_callbacks: dict[str, dict[str, Any]]
    commands: dict[tuple[str, str], list[dict[str, Any]]]
    descriptions: dict[str, str]
    short_descriptions: dict[str, str]
    webhook: dict[str, Any]
    closed: bool
    logged_out: bool
    messages_sent: int

    if TYPE_CHECKING:  # provided by FakeBotAPI and UpdateBuilders (declared, not defined,
        # so these names cannot shadow the real methods in the MRO)

        def _check_chat(self, params: Mapping[str, Any]) -> int: ...

        def _check_send_rate(self, chat_id: int) -> None: ...

        def _record_send(self, chat_id: int) -> None: ...

        def _timestamp(self) -> int: ...

        def chat_dict(self, chat_id: int, chat_type: Any = None) -> dict[str, Any]: ...

        def next_message_id(self, chat_id: int) -> int: ...

        def find_message(self, chat_id: int, message_id: int) -> SentMessage | None: ...

        def bot_user(self) -> dict[str, Any]: ...

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user()

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        try:
            text = visible_text(params.get("text"), params.get("parse_mode"))
            markup = check_reply_markup(params.get("reply_markup"))
        except TextError as exc:
            raise Fail(ApiError(400, str(exc))) from None
        self._check_send_rate(chat_id)
        self._record_send(chat_id)
        message = SentMessage(
            chat=self.chat_dict(chat_id),
            message_id=self.next_message_id(chat_id),
            date=self._timestamp(),
            text=text,
            raw_text=str(params["text"]),
            from_user=self.bot_user(),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            params=dict(params),
        )
        self._transcripts[chat_id].append(message)
        self.messages_sent += 1
        return message.to_api()

    def _send_document(
        self, params: dict[str, Any], files: Mapping[str, UploadedFile]
    ) -> dict[str, Any]:
        return self._send_media("document", params, files)

    def _send_photo(
        self, params: dict[str, Any], files: Mapping[str, UploadedFile]
    ) -> dict[str, Any]:
        return self._send_media("photo", params, files)

    def _send_media(
        self, kind: str, params: dict[str, Any], files: Mapping[str, UploadedFile]
    ) -> dict[str, Any]:
        """``sendDocument``/``sendPhoto`` with an uploaded file, checked like Telegram does.

        Only uploads are modelled (a ``file_id`` or URL the fake never saw is refused):
        the bot makes its files itself. A photo must be an image Pillow can read within
        Telegram's limits (10 MB, width + height <= 10,000, sides at most 20:1).
        """
        chat_id = self._check_chat(params)
        upload = _uploaded(params.get(kind), files, kind)
        limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES
        if not upload.content:
            raise bad("file must be non-empty")
        if len(upload.content) > limit:
            raise Fail(ApiError(413, "Request Entity Too Large"))
        width = height = 0
        if kind == "photo":
            width, height = _photo_size(upload.content)
        caption = params.get("caption")
        try:
            shown = visible_text(caption, params.get("parse_mode")) if caption else ""
            markup = check_reply_markup(params.get("reply_markup"))
        except TextError as exc:
            raise Fail(ApiError(400, str(exc))) from None
        if len(shown) > MAX_CAPTION_LENGTH:
            raise bad("message caption is too long")
        self._check_send_rate(chat_id)
        self._record_send(chat_id)
        message_id = self.next_message_id(chat_id)
        attachment = Attachment(
            kind=kind,
            file_name=upload.filename if kind == "document" else None,
            mime_type=upload.mime_type if kind == "document" else None,
            content=upload.content,
            file_id=f"{kind}-{chat_id}-{message_id}-{len(upload.content)}-fakefileid",
            width=width,
            height=height,
        )
        message = SentMessage(
            chat=self.chat_dict(chat_id),
            message_id=message_id,
            date=self._timestamp(),
            text=shown,
            raw_text=str(caption or ""),
            from_user=self.bot_user(),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            params=dict(params),
            attachment=attachment,
        )
        self._transcripts[chat_id].append(message)
        self.messages_sent += 1
        return message.to_api()

    def _editable(self, params: dict[str, Any], verb: str) -> SentMessage | None:
        """The message an edit/delete targets; ``None`` for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._check_chat(params)
        message_id = params.get("message_id")
        message = self.find_message(chat_id, message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            raise bad(f"message to {verb} not found")
        return message

    def _apply_edit(
        self, message: SentMessage, text: str, raw: str, parse_mode: Any, markup: Any
    ) -> dict[str, Any]:
        if message.text == text and message.reply_markup == markup:
            raise bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        if message.text != text:
            message.edits.append(message.text)
        message.text, message.raw_text, message.parse_mode = text, raw, parse_mode
        message.reply_markup = markup
        message.edit_date = self._timestamp()
        return message.to_api()

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        message = self._editable(params, "edit")
        try:
            text = visible_text(params.get("text"), params.get("parse_mode"))
            markup = check_reply_markup(params.get("reply_markup"))
        except TextError as exc:
            raise Fail(ApiError(400, str(exc))) from None
        if message is None:
            return True
        return self._apply_edit(
            message, text, str(params["text"]), params.get("parse_mode"), markup
        )

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        message = self._editable(params, "edit")
        try:
            markup = check_reply_markup(params.get("reply_markup"))
        except TextError as exc:
            raise Fail(ApiError(400, str(exc))) from None
        if message is None:
            return True
        return self._apply_edit(message, message.text, message.raw_text, message.parse_mode, markup)

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callbacks:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.answered_callbacks[query_id] = {
            k: v for k, v in params.items() if k != "callback_query_id"
        }
        return True

    def _delete_message(self, params: dict[str, Any]) -> bool:
        message = self._editable(params, "delete")
        if message is not None:
            message.deleted = True
        return True

    @staticmethod
    def _language(params: dict[str, Any]) -> str:
        code = params.get("language_code") or ""
        if not isinstance(code, str) or (code and not re.fullmatch(r"[a-z]{2}", code)):
            # Telegram only takes two-letter ISO 639-1 codes here: "uz", never "uz_Cyrl".
            raise bad("invalid language code specified")
        return code

    @staticmethod
    def _scope(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad("can't parse BotCommandScope JSON object")
        return str(scope["type"])

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        for item in commands:
            if not isinstance(item, dict):
                raise bad("can't parse BotCommand JSON object")
            name, description = item.get("command"), item.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope(params), self._language(params))
        self.commands[key] = [dict(item) for item in commands]
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop((self._scope(params), self._language(params)), None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands.get((self._scope(params), self._language(params)), []))

    def _set_my_description(self, params: dict[str, Any]) -> bool:
        return self._set_text_setting(params, "description", self.descriptions, 512)

    def _set_my_short_description(self, params: dict[str, Any]) -> bool:
        return self._set_text_setting(params, "short_description", self.short_descriptions, 120)

    def _set_text_setting(
        self, params: dict[str, Any], field_name: str, store: dict[str, str], limit: int
    ) -> bool:
        value = params.get(field_name) or ""
        if not isinstance(value, str) or len(value) > limit:
            raise bad(f"{field_name} is too long")
        language = self._language(params)
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _get_my_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self.descriptions.get(self._language(params), "")}

    def _get_my_short_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"short_description": self.short_descriptions.get(self._language(params), "")}

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._check_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not isinstance(url, str) or (url and not url.startswith("https://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {k: v for k, v in params.items() if k != "certificate"} if url else {}
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {}
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.get("max_connections"):
            info["max_connections"] = self.webhook["max_connections"]
        return info

    def _close(self, params: dict[str, Any]) -> bool:
        self.closed = True
        return True

    def _log_out(self, params: dict[str, Any]) -> bool:
        self.logged_out = True
        return True


def _uploaded(value: object, files: Mapping[str, UploadedFile], kind: str) -> UploadedFile:
    """The file a media parameter names: its own part, or ``attach://<part>``."""
    if isinstance(value, str) and value.startswith("attach://"):
        part = files.get(value.removeprefix("attach://"))
    elif value is None or value == "":
        part = files.get(kind)
    else:
        raise bad("wrong file identifier/HTTP URL specified")
    if part is None:
        raise bad(f"there is no {kind} in the request")
    return part


def _photo_size(content: bytes) -> tuple[int, int]:
    """Width and height of an uploaded photo, refused as Telegram refuses it."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError):
        raise bad("IMAGE_PROCESS_FAILED") from None
    if width + height > 10_000 or max(width, height) > 20 * min(width, height):
        raise bad("PHOTO_INVALID_DIMENSIONS")
    return width, height
