"""Builders for incoming updates, shaped as Telegram sends them for a real user.

Why: handler tests must feed PTB the same JSON it parses in production, so
``Update.de_json`` runs for real (the notes in ``reference/telegram-stack-notes.md``
list emulator bugs — missing ``is_bot``, ``chat_instance``, millisecond dates — that
crash PTB). Every builder returns a plain dict with a fresh, increasing
``update_id``; pass it to ``Update.de_json(d, app.bot)`` and ``app.process_update``, or
queue it for ``getUpdates`` with :meth:`FakeBotAPI.push_update`.

Message ids are counted per chat and shared between the user's and the bot's
messages, as in a real private chat.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Literal

from bot.delivery.clock import Clock

ChatType = Literal["private", "group", "supergroup"]


class UpdateBuilders:
    """Mixin for :class:`~bot.testing.fake_bot_api.FakeBotAPI`: builds user-side updates."""

    clock: Clock
    _update_id: int
    _message_ids: dict[int, int]
    _chats: dict[int, dict[str, Any]]
    _callback_counter: int
    _open_callbacks: set[str]

    if TYPE_CHECKING:  # provided by FakeBotAPI; declared only, so nothing is shadowed

        def find_message(self, chat_id: int, message_id: int) -> Any: ...

        def bot_user(self) -> dict[str, Any]: ...

    # -- low-level pieces ---------------------------------------------------------------
    def next_update_id(self) -> int:
        """A fresh, strictly increasing update id."""
        self._update_id += 1
        return self._update_id

    def next_message_id(self, chat_id: int) -> int:
        """The next message id in ``chat_id`` (shared by user and bot messages)."""
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _timestamp(self) -> int:
        return int(self.clock.now().timestamp())

    @staticmethod
    def user_dict(
        user_id: int, language_code: str | None = "ru", first_name: str = "Test"
    ) -> dict[str, Any]:
        """A Telegram ``User`` for a human (``language_code`` omitted when ``None``)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def chat_dict(self, chat_id: int, chat_type: ChatType | None = None) -> dict[str, Any]:
        """The ``Chat`` object for ``chat_id``; remembered so bot replies reuse it."""
        known = self._chats.get(chat_id)
        if known is not None and (chat_type is None or known["type"] == chat_type):
            return known
        kind = chat_type or ("private" if chat_id > 0 else "group")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = "Test"
        else:
            chat["title"] = f"Group {abs(chat_id)}"
        self._chats[chat_id] = chat
        return chat

    def _message(
        self, user_id: int, chat_id: int, chat_type: ChatType | None, language_code: str | None
    ) -> dict[str, Any]:
        return {
            "message_id": self.next_message_id(chat_id),
            "date": self._timestamp(),
            "chat": self.chat_dict(chat_id, chat_type),
            "from": self.user_dict(user_id, language_code),
        }

    def _wrap(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": self.next_update_id(), "message": message}

    # -- public builders ------------------------------------------------------------------
    def text_update(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "ru",
        chat_type: ChatType = "private",
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """A text message; a leading ``/command`` gets its ``bot_command`` entity.

        ``chat_id`` defaults to the user id for private chats and to ``-100<user_id>``
        for groups.
        """
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else -int(f"100{user_id}")
        message = self._message(user_id, chat_id, chat_type, language_code)
        message["text"] = text
        if text.startswith("/") and len(text) > 1:
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return self._wrap(message)

    def group_text_update(
        self,
        user_id: int,
        text: str,
        *,
        group_id: int | None = None,
        language_code: str | None = "ru",
    ) -> dict[str, Any]:
        """A text message from ``user_id`` in a supergroup (the bot should stay quiet there)."""
        return self.text_update(
            user_id, text, language_code=language_code, chat_type="supergroup", chat_id=group_id
        )

    def callback_update(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "ru",
    ) -> dict[str, Any]:
        """A press on an inline button of the bot's message ``message_id``.

        The update carries that message as the bot sent it (current text and keyboard).
        If the fake has no such message (e.g. it predates a restart), the update carries
        an inaccessible message (``date: 0``), as Telegram does for old messages.
        """
        chat_id = user_id if chat_id is None else chat_id
        sent = self.find_message(chat_id, message_id)
        if sent is not None:
            message = sent.to_api()
        else:
            message = {"message_id": message_id, "date": 0, "chat": self.chat_dict(chat_id)}
        self._callback_counter += 1
        query_id = f"{user_id}{self._callback_counter:08d}"
        self._open_callbacks.add(query_id)
        instance = hashlib.sha1(f"{chat_id}".encode()).hexdigest()[:16]
        return {
            "update_id": self.next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": self.user_dict(user_id, language_code),
                "chat_instance": str(int(instance, 16)),
                "message": message,
                "data": data,
            },
        }

    def sticker_update(self, user_id: int, *, language_code: str | None = "ru") -> dict[str, Any]:
        """A sticker message (the bot should answer with a hint, not crash)."""
        message = self._message(user_id, user_id, "private", language_code)
        message["sticker"] = {
            "file_id": "CAACAgIAAxkBAAIBQmZ",
            "file_unique_id": "AgADwQADVp29Cg",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._wrap(message)

    def photo_update(
        self, user_id: int, *, caption: str | None = None, language_code: str | None = "ru"
    ) -> dict[str, Any]:
        """A photo message (e.g. a user sending a picture of their patent)."""
        message = self._message(user_id, user_id, "private", language_code)
        message["photo"] = [
            {"file_id": f"AgACAgIAAx{size}", "file_unique_id": f"AQAD{size}", "width": size,
             "height": size, "file_size": size * 40}
            for size in (90, 320, 800)
        ]  # fmt: skip
        if caption is not None:
            message["caption"] = caption
        return self._wrap(message)

    def voice_update(
        self, user_id: int, *, duration: int = 3, language_code: str | None = "ru"
    ) -> dict[str, Any]:
        """A voice note (common among users who prefer not to type)."""
        message = self._message(user_id, user_id, "private", language_code)
        message["voice"] = {
            "file_id": "AwACAgIAAxkBAAIBRG",
            "file_unique_id": "AgADxAADVp29Cg",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": duration * 4000,
        }
        return self._wrap(message)

    def location_update(
        self,
        user_id: int,
        latitude: float = 55.7558,
        longitude: float = 37.6173,
        *,
        language_code: str | None = "ru",
    ) -> dict[str, Any]:
        """A shared location (the bot must not store it)."""
        message = self._message(user_id, user_id, "private", language_code)
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return self._wrap(message)

    def my_chat_member_update(
        self, user_id: int, *, blocked: bool = True, language_code: str | None = "ru"
    ) -> dict[str, Any]:
        """What Telegram sends when the user blocks (``kicked``) or unblocks the bot."""
        bot_user = self.bot_user()
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        status_extra: dict[str, Any] = {"until_date": 0} if blocked else {}
        return {
            "update_id": self.next_update_id(),
            "my_chat_member": {
                "chat": self.chat_dict(user_id, "private"),
                "from": self.user_dict(user_id, language_code),
                "date": self._timestamp(),
                "old_chat_member": {"user": bot_user, "status": old}
                | ({"until_date": 0} if old == "kicked" else {}),
                "new_chat_member": {"user": bot_user, "status": new} | status_extra,
            },
        }
