"""Checks the fake Bot API applies to message texts and keyboards, as Telegram does.

Why: the most common production failures of a Telegram bot are 400s that a naive
fake would accept — an unclosed ``<b>`` from a translation, an unescaped ``.`` in
MarkdownV2, or ``callback_data`` longer than 64 *bytes* (Cyrillic letters take two).
Catching them in tests is the point of the fake. The error descriptions match
Telegram's wording where it is well known; each check raises :class:`TextError`
with the description, and the fake wraps it in a 400 response.
"""

from __future__ import annotations

import functools
from html.parser import HTMLParser
from typing import Any, Final

MAX_TEXT_LENGTH: Final = 4096
MAX_CALLBACK_DATA_BYTES: Final = 64

_HTML_TAGS: Final = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "a", "code", "pre", "blockquote", "tg-emoji", "tg-time",
    }
)  # fmt: skip
# Characters that MarkdownV2 never uses for markup: unescaped, Telegram rejects them.
_MD2_ALWAYS_RESERVED: Final = frozenset(".-=+#{}")


class TextError(ValueError):
    """A text or markup Telegram would reject; ``str(exc)`` is the 400 description."""


class _HtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.error: str | None = None

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def _offset(self) -> int:
        line, col = self.getpos()
        lines = self.rawdata.split("\n")
        prefix = "\n".join(lines[: line - 1]) + ("\n" if line > 1 else "") + lines[line - 1][:col]
        return len(prefix.encode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
            return
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._offset()}")
        elif self.stack[-1] != tag:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"')
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self._fail(f'Unsupported start tag "!--" at byte offset {self._offset()}')


@functools.lru_cache(maxsize=4096)
def visible_html_text(text: str) -> str:
    """Validate Telegram-HTML and return the text a user would see (tags removed).

    Kept for texts seen before (a text that fails is checked again each time): a
    bot's texts repeat, and in production this work is Telegram's, not the bot
    process's, so the benchmarks that run this fake in the bot's process should
    count it as little as they can (BENCHMARKS.md, 1 and 8)."""
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error is not None:
        raise TextError(f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.parts)


def check_markdown_v2(text: str) -> None:
    """Reject characters MarkdownV2 requires escaped (outside code spans and link URLs).

    Deliberately partial: it checks the characters that are never markup, which is
    where real bots trip (a date like ``05.03.2025`` or a dash).
    """
    i = 0
    in_code = False
    in_url = False
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if in_url:
            in_url = char != ")"
        elif char == "`":
            in_code = not in_code
        elif not in_code:
            if char == "(" and i > 0 and text[i - 1] == "]":
                in_url = True
            elif char in _MD2_ALWAYS_RESERVED or (char == "!" and text[i + 1 : i + 2] != "["):
                raise TextError(
                    "Bad Request: can't parse entities: Character '"
                    + char
                    + "' is reserved and must be escaped with the preceding '\\'"
                )
        i += 1


def visible_text(text: object, parse_mode: object) -> str:
    """Validate a message text the way ``sendMessage`` does; return what the user sees."""
    if not isinstance(text, str) or not text.strip():
        raise TextError("Bad Request: message text is empty")
    mode = parse_mode.lower() if isinstance(parse_mode, str) else None
    if mode == "html":  # Telegram: "1-4096 characters after entities parsing"
        visible = visible_html_text(text)
        if not visible.strip():
            raise TextError("Bad Request: message text is empty")
        if len(visible) > MAX_TEXT_LENGTH:
            raise TextError("Bad Request: message is too long")
        return visible
    if len(text) > MAX_TEXT_LENGTH:
        raise TextError("Bad Request: message is too long")
    if mode == "markdownv2":
        check_markdown_v2(text)
    elif mode not in (None, "", "markdown"):
        raise TextError(f"Bad Request: unsupported parse_mode {parse_mode}")
    return text


def check_reply_markup(markup: object) -> dict[str, Any] | None:
    """Validate a reply markup object; return it as a dict (or ``None`` if absent)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise TextError("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise TextError('Bad Request: field "inline_keyboard" must be an Array of Array')
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise TextError('Bad Request: field "keyboard" must be an Array of Array')
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise TextError("Bad Request: can't parse reply keyboard markup JSON object")
    return markup


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise TextError("Bad Request: can't parse inline keyboard button: Text must be a String")
    if not button["text"]:
        raise TextError("Bad Request: BUTTON_TEXT_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise TextError("Bad Request: BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise TextError("Bad Request: BUTTON_URL_INVALID")
    elif not (button.keys() & {"switch_inline_query", "switch_inline_query_current_chat",
                               "web_app", "login_url", "pay", "copy_text", "callback_game",
                               "switch_inline_query_chosen_chat"}):  # fmt: skip
        raise TextError("Bad Request: text buttons are unallowed in the inline keyboard")
