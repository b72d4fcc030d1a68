"""Check broadcast text written as Telegram HTML before it reaches 100,000 people.

Why: Telegram rejects a whole message whose HTML it cannot parse ("can't parse
entities"). A broken tag in a broadcast would make every single send fail, so the
command line refuses it up front with the reason. Texts written in Telegram itself
come from the message's own formatting and are valid by construction.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from bot.delivery.payload import NAMED_ENTITIES

_BARE_AMPERSAND = re.compile(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[a-zA-Z]+;)")
_NAMED_ENTITY = re.compile(r"&([a-zA-Z]+);")
_BARE_LESS_THAN = re.compile(r"<(?![a-zA-Z/])")

ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "tg-spoiler", "span", "blockquote", "tg-emoji",
    }
)  # fmt: skip
"""Tags the Bot API accepts in ``parse_mode=HTML``."""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problem: str | None = None
        self.visible: list[str] = []

    def _fail(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self._fail(f"Telegram does not allow the tag <{tag}>")
            return
        if tag == "a" and not any(name == "href" and value for name, value in attrs):
            self._fail("a link <a> needs href")
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            self._fail('<span> is only allowed as <span class="tg-spoiler">')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f"Telegram does not allow <{tag}/>; write <{tag}>…</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self._fail(f"</{tag}> does not close the last opened tag")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def check_html(text: str) -> str | None:
    """The reason ``text`` is not valid Telegram HTML, or ``None`` if it is."""
    if _BARE_AMPERSAND.search(text):
        return "write & as &amp; (or send plain text without --html)"
    if _BARE_LESS_THAN.search(text):
        return "write < as &lt; (or send plain text without --html)"
    for match in _NAMED_ENTITY.finditer(text):
        if match.group(1) not in NAMED_ENTITIES:
            return (
                f"Telegram does not know {match.group(0)}: write the character itself, or its "
                "number (&#169; for ©)"
            )
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.problem:
        return checker.problem
    if checker.stack:
        return f"<{checker.stack[-1]}> is never closed"
    if not "".join(checker.visible).strip():  # Telegram: "message text is empty", every send
        return "there is no text to read between the tags"
    return None


def plain_to_html(text: str) -> str:
    """Plain text for ``parse_mode=HTML``: only ``& < >`` need escaping."""
    return html.escape(text, quote=False)
