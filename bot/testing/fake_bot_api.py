"""An in-memory fake of the Telegram Bot API for tests and benchmarks.

Why a fake rather than mocks or an emulator: ``reference/telegram-stack-notes.md``
measured that a fake plugged into PTB's ``BaseRequest`` seam runs the real PTB code
paths (URL building, JSON parsing, ``Update.de_json``, exception mapping) at ~5,000
updates/s with no sockets, while the npm emulator needed glue for four PTB-breaking
bugs. PTB objects are frozen, so monkeypatching ``bot.send_message`` is not an option
anyway.

Two transports share one :class:`FakeBotAPI`:

* in-process: ``ApplicationBuilder().token(api.token).request(api.request())
  .get_updates_request(api.request())`` — the default for handler tests;
* real HTTP on 127.0.0.1: :class:`bot.testing.fake_server.FakeBotAPIServer`, for
  the few tests that must run ``updater.start_polling()`` end to end.

Responses are shaped exactly like Telegram's so PTB raises its real exceptions
(see :mod:`bot.testing.fake_errors`). Files: ``sendDocument`` and ``sendPhoto`` with an
uploaded file (the file is kept on the message, ``SentMessage.attachment``). What the
fake does *not* model: other media, sending by ``file_id`` or URL, inline mode,
payments, business features; those methods answer 404 like an unknown method (PTB:
``InvalidToken``/``EndPointNotFound``) and are logged.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.delivery.clock import SYSTEM_CLOCK, Clock
from bot.testing.fake_errors import (
    BLOCKED,
    CHAT_NOT_FOUND,
    NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    Injected,
    NetworkFailure,
    SimulatedNetworkFailure,
    flood,
)
from bot.testing.fake_methods import BotApiMethods
from bot.testing.fake_model import (
    ApiCall,
    Fail,
    SentMessage,
    UploadedFile,
    bad,
    buttons,
    normalize_params,
)
from bot.testing.fake_updates import UpdateBuilders

logger = logging.getLogger(__name__)

DEFAULT_TOKEN: Final = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvw"
_EPSILON: Final = 1e-6
_DEFAULT_UPDATE_TYPES_EXCLUDED: Final = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_FILE_METHODS: Final = frozenset({"senddocument", "sendphoto"})
"""Methods whose handlers also take the uploaded files."""
_URL_RE: Final = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)$")

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "FakeBotAPI",
    "FakeRequest",
    "SentMessage",
    "buttons",
    "normalize_params",
]


class FakeBotAPI(BotApiMethods, UpdateBuilders):
    """State and behaviour of a fake Bot API server for one bot token.

    Failure knobs (all optional, all changeable between calls):

    * ``blocked`` — chat ids whose sends answer 403 "Forbidden: bot was blocked by the user";
    * ``missing_chats`` — chat ids that answer 400 "Bad Request: chat not found";
    * :meth:`fail_next` — one-shot errors for a method (and optionally a chat);
    * ``flood_every``/``retry_after`` — every n-th ``sendMessage`` answers 429;
    * ``rate_limit_per_second`` — a sliding 1-second window over accepted
      ``sendMessage`` calls (clock: the injected ``clock``); exceeding it answers 429;
    * ``per_chat_interval`` — minimum seconds between two messages to one chat;
    * ``latency`` — seconds each call takes (half before, half after taking effect, so
      a call cancelled mid-way may or may not have been delivered, as in real life).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        clock: Clock = SYSTEM_CLOCK,
        bot_username: str = "hamroh_test_bot",
        latency: float = 0.0,
        rate_limit_per_second: float | None = None,
        per_chat_interval: float | None = None,
        flood_every: int | None = None,
        retry_after: int = 1,
    ) -> None:
        self.token = token
        self.clock = clock
        self.bot_username = bot_username
        self.latency = latency
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_interval = per_chat_interval
        self.flood_every = flood_every
        self.retry_after = retry_after
        self.blocked: set[int] = set()
        self.missing_chats: set[int] = set()

        self.calls: list[ApiCall] = []
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.webhook: dict[str, Any] = {}
        self.closed = False
        self.logged_out = False
        self.messages_sent = 0
        """Accepted ``sendMessage`` calls so far (cheap to poll from tests and benchmarks)."""
        self.unknown_methods: list[str] = []

        self._transcripts: dict[int, list[SentMessage]] = collections.defaultdict(list)
        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, int] = {}
        self._update_id = 0
        self._callback_counter = 0
        self._open_callbacks: set[str] = set()
        self._updates: list[dict[str, Any]] = []
        self._updates_event = asyncio.Event()
        self._poll_generation = 0
        self._allowed_updates: frozenset[str] | None = None
        self._injected: list[tuple[str, int | None, Injected]] = []
        self._send_counter = 0
        self._send_window: collections.deque[float] = collections.deque()
        self._last_send_to_chat: dict[int, float] = {}
        methods: dict[str, Callable[..., Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "deleteMessage": self._delete_message,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "sendChatAction": self._send_chat_action,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": self._close,
            "logOut": self._log_out,
        }
        self._handlers = {name.lower(): handler for name, handler in methods.items()}

    # ------------------------------------------------------------------ transports
    def request(self, read_timeout: float | None = 5.0) -> FakeRequest:
        """A fresh in-process PTB transport bound to this fake (one per PTB slot)."""
        return FakeRequest(self, read_timeout=read_timeout)

    async def handle(
        self,
        method: str,
        params: Mapping[str, Any],
        token: str | None = None,
        files: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: ``(http_status, json_body)``.

        ``files`` are the file parts of a multipart request (``sendDocument``,
        ``sendPhoto``), by part name.

        Raises :class:`SimulatedNetworkFailure` for injected network failures; the
        transports turn it into what a client would see.
        """
        call = ApiCall(method=method, params={}, at=self.clock.monotonic(), files=dict(files or {}))
        self.calls.append(call)
        try:
            call.params = normalize_params(params)
        except Fail as fail:
            return self._finish(call, fail.error)
        if token is not None and token != self.token:
            return self._finish(call, UNAUTHORIZED)
        handler = self._handlers.get(method.lower())
        if handler is None:
            logger.warning("FakeBotAPI: method %s is not implemented; answering 404", method)
            self.unknown_methods.append(method)
            return self._finish(call, NOT_FOUND)
        return await self._run(call, handler)

    async def _run(self, call: ApiCall, handler: Callable[..., Any]) -> tuple[int, dict[str, Any]]:
        half = self.latency / 2
        if half > 0:
            await self.clock.sleep(half)
        injected = self._take_injected(call.method, call.params.get("chat_id"))
        if isinstance(injected, NetworkFailure) and not injected.delivered:
            call.status, call.description = -1, "network failure"
            raise SimulatedNetworkFailure(injected)
        if isinstance(injected, ApiError):
            return self._finish(call, injected)
        try:
            if call.method.lower() in _FILE_METHODS:
                result = handler(call.params, call.files)
            else:
                result = handler(call.params)
            if asyncio.iscoroutine(result):
                result = await result
        except Fail as fail:
            return self._finish(call, fail.error)
        if half > 0:
            await self.clock.sleep(half)
        if isinstance(injected, NetworkFailure):
            call.status, call.description = -1, "network failure after delivery"
            raise SimulatedNetworkFailure(injected)
        call.status = 200
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _finish(call: ApiCall, error: ApiError) -> tuple[int, dict[str, Any]]:
        call.status, call.description = error.error_code, error.description
        return error.error_code, error.body()

    # ------------------------------------------------------------------ failure injection
    def fail_next(
        self, method: str, error: Injected, *, chat_id: int | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

        ``error`` is an :class:`ApiError` (e.g. ``BLOCKED``, ``flood(5)``,
        ``CHAT_NOT_FOUND``) or a :class:`NetworkFailure` (``CONNECTION_LOST``,
        ``TIMED_OUT``, ``TIMED_OUT_AFTER_DELIVERY``).
        """
        for _ in range(times):
            self._injected.append((method.lower(), chat_id, error))

    def _take_injected(self, method: str, chat_id: object) -> Injected | None:
        for index, (name, target, error) in enumerate(self._injected):
            if name == method.lower() and (target is None or target == chat_id):
                del self._injected[index]
                return error
        return None

    def _check_chat(self, params: Mapping[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        if isinstance(chat_id, str):
            raise Fail(CHAT_NOT_FOUND)  # no usernames known to the fake
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad("invalid chat_id")
        if chat_id in self.missing_chats:
            raise Fail(CHAT_NOT_FOUND)
        if chat_id in self.blocked:
            raise Fail(BLOCKED)
        return chat_id

    def _check_send_rate(self, chat_id: int) -> None:
        """Flood knobs for sendMessage; only accepted sends count toward the windows."""
        self._send_counter += 1
        if self.flood_every and self._send_counter % self.flood_every == 0:
            raise Fail(flood(self.retry_after))
        now = self.clock.monotonic()
        if self.rate_limit_per_second is not None:
            window = self._send_window
            while window and window[0] <= now - 1.0 + _EPSILON:
                window.popleft()
            if len(window) >= self.rate_limit_per_second:
                raise Fail(flood(max(1, math.ceil(window[0] + 1.0 - now))))
        if self.per_chat_interval is not None:
            last = self._last_send_to_chat.get(chat_id)
            if last is not None and now - last < self.per_chat_interval - _EPSILON:
                raise Fail(flood(max(1, math.ceil(last + self.per_chat_interval - now))))

    def _record_send(self, chat_id: int) -> None:
        now = self.clock.monotonic()
        self._send_window.append(now)
        self._last_send_to_chat[chat_id] = now

    # ------------------------------------------------------------------ reading helpers
    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Messages the bot sent to ``chat_id``, oldest first (deleted ones on request)."""
        return [m for m in self._transcripts.get(chat_id, []) if include_deleted or not m.deleted]

    def last_message(self, chat_id: int) -> SentMessage | None:
        """The newest message the bot sent to ``chat_id`` that is still visible."""
        visible = self.messages(chat_id)
        return visible[-1] if visible else None

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A bot message by id (including deleted ones), or ``None``."""
        for message in self._transcripts.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def chats(self) -> list[int]:
        """Chat ids the bot sent at least one message to."""
        return [chat_id for chat_id, sent in self._transcripts.items() if sent]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls of one method (case-insensitive), in order."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def commands_for(self, language_code: str = "", scope: str = "default") -> list[dict[str, Any]]:
        """The command list set for a language (``""``: all languages) and scope type."""
        return self.commands.get((scope, language_code), [])

    @staticmethod
    def buttons(message: SentMessage | Mapping[str, Any]) -> list[tuple[str, str | None]]:
        """Flat ``(text, callback_data)`` list of a message's keyboard."""
        return buttons(message)

    def bot_user(self) -> dict[str, Any]:
        """The bot's ``User`` object (``getMe``)."""
        return {
            "id": int(self.token.split(":", 1)[0]) if self.token.split(":", 1)[0].isdigit() else 1,
            "is_bot": True,
            "first_name": "Hamroh",
            "username": self.bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # ------------------------------------------------------------------ updates queue
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; wakes a waiting long poll. Returns its id.

        Updates must reach the bot in increasing id order; an update built earlier but
        pushed later is given a fresh id so the queue stays ordered.
        """
        if not isinstance(update.get("update_id"), int) or (
            self._updates and update["update_id"] <= self._updates[-1]["update_id"]
        ):
            update["update_id"] = self.next_update_id()
        self._updates.append(update)
        self._updates_event.set()
        self._updates_event = asyncio.Event()
        return int(update["update_id"])

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed with ``offset``."""
        return len(self._updates)

    def _confirm(self, offset: object) -> None:
        if not isinstance(offset, int) or isinstance(offset, bool) or offset == 0:
            return
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        else:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        def allowed(update: dict[str, Any]) -> bool:
            kind = next((k for k in update if k != "update_id"), "")
            if self._allowed_updates is None:
                return kind not in _DEFAULT_UPDATE_TYPES_EXCLUDED
            return kind in self._allowed_updates

        self._updates = [u for u in self._updates if allowed(u)]  # Telegram drops the rest
        return self._updates[:limit]

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long poll: answer at once if updates are queued, else wait up to ``timeout``.

        The wait is for an event (:meth:`push_update`), so it uses the event loop's real
        time, not the injected clock. Confirming works like Telegram's: an ``offset``
        drops every update with a smaller id; a negative one keeps only the last ones.
        """
        if self.webhook.get("url"):
            raise Fail(
                ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            )
        limit = params.get("limit", 100)
        limit = min(100, max(1, limit if isinstance(limit, int) else 100))
        timeout = params.get("timeout", 0)
        timeout = max(0.0, float(timeout)) if isinstance(timeout, int | float) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_event.set()  # a running older poll must give way (409 below)
        self._updates_event = asyncio.Event()
        self._confirm(params.get("offset"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._deliverable(limit)
            if batch:
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._updates_event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return []
            if generation != self._poll_generation:
                raise Fail(
                    ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                )

    def wake_pollers(self) -> None:
        """End every waiting long poll now (used when a server shuts down)."""
        self._poll_generation += 1
        self._updates_event.set()
        self._updates_event = asyncio.Event()


class FakeRequest(BaseRequest):
    """PTB transport that answers from a :class:`FakeBotAPI` without any socket.

    Implements the abstract surface of ``telegram.request.BaseRequest`` in PTB 22.8:
    ``do_request``, ``initialize``, ``shutdown`` and the ``read_timeout`` property.
    Simulated network failures surface as PTB's own ``NetworkError``/``TimedOut``.
    """

    __slots__ = ("_api", "_read_timeout")

    def __init__(self, api: FakeBotAPI, read_timeout: float | None = 5.0) -> None:
        self._api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout (PTB adds the long-poll ``timeout`` for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up: no connection pool."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route ``…/bot<token>/<method>`` to the fake and encode its answer as JSON bytes."""
        match = _URL_RE.search(url.split("?", 1)[0])
        if match is None:
            return 404, json.dumps(NOT_FOUND.body()).encode()
        params = request_data.parameters if request_data is not None else {}
        files = _upload_parts(request_data) if request_data is not None else {}
        try:
            status, body = await self._api.handle(
                match.group("method"), params, token=match.group("token"), files=files
            )
        except SimulatedNetworkFailure as exc:
            if exc.failure.timeout:
                raise TimedOut("Timed out (simulated by FakeBotAPI)") from exc
            raise NetworkError("httpx.ConnectError: simulated by FakeBotAPI") from exc
        return status, json.dumps(body).encode("utf-8")


def _upload_parts(request_data: RequestData) -> dict[str, UploadedFile]:
    """The files PTB would post as multipart parts (``InputFile`` parameters)."""
    parts: dict[str, UploadedFile] = {}
    for name, part in request_data.multipart_data.items():
        if isinstance(part, tuple):
            filename, content, *rest = part
            mime_type = rest[0] if rest else None
        else:
            filename, content, mime_type = None, part, None
        if not isinstance(content, bytes):
            content = content.read()
        parts[name] = UploadedFile(name, filename, bytes(content), mime_type)
    return parts
