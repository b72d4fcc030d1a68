"""Forms we did not send: forged or stale fields, huge bodies, wrong methods and types.

Each gets a short friendly page in the person's language — the bot's own words for a
stale button, or "start again" — never a 500, a traceback or an English error; and
the server's log shows neither the answers nor the visitor's address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from bot.i18n import load_catalogs

from .conftest import WebServer

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _(locale: str, message: str) -> str:
    return load_catalogs().gettext(locale)(message)


STALE = "This button is out of date. Here is where you are now."
START_AGAIN = "This page is out of date. Please start again."


@pytest.fixture(scope="module")
def client(web_server: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_server.url, timeout=30) as session:
        yield session


def post(client: httpx.Client, path: str, fields: list[tuple[str, str]]) -> httpx.Response:
    return client.post(path, content=urlencode(fields), headers=FORM)


def notice(response: httpx.Response) -> str:
    found = re.search(r'<p class="notice" role="alert">([^<]*)</p>', response.text)
    assert found, response.text[:400]
    import html

    return html.unescape(found.group(1))


def assert_friendly(response: httpx.Response) -> None:
    assert response.status_code < 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert "set-cookie" not in response.headers


CASES = {
    "forged-value": ("ru", [("a.citizenship", "XX"), ("q", "in_russia"), ("do", "answer:in_russia:yes")]),
    "unknown-answer-id": ("ky", [("a.no_such_question", "yes"), ("do", "answer:citizenship:KG")]),
    "unknown-shown-question": ("tg", [("a.citizenship", "TJ"), ("q", "nope"), ("do", "send"), ("text", "1")]),
    "not-an-option": ("uz", [("a.citizenship", "UZ"), ("do", "answer:in_russia:maybe")]),
    "answer-for-another-question": ("uz", [("a.citizenship", "UZ"), ("do", "answer:entry_date:UZ")]),
    "typed-for-another-question": ("ru", [("a.citizenship", "UZ"), ("q", "entry_date"), ("do", "send"), ("text", "01.01.2026")]),
    "why-for-another-question": ("ky", [("a.citizenship", "KG"), ("do", "why:region")]),
    "detail-before-the-result": ("tg", [("a.citizenship", "TJ"), ("do", "detail:why")]),
    "change-unknown-question": ("ru", [("a.citizenship", "UZ"), ("do", "change:nope")]),
    "change-not-asked": ("ru", [("a.citizenship", "UZ"), ("a.in_russia", "no"), ("do", "change:entry_date")]),
    "remind-me": ("uz_Cyrl", [("a.citizenship", "UZ"), ("do", "remind")]),
    "forget": ("uz_Cyrl", [("a.citizenship", "UZ"), ("do", "forget:yes")]),
    "unknown-language": ("ru", [("a.citizenship", "UZ"), ("do", "language:en")]),
    "unknown-action": ("ru", [("a.citizenship", "UZ"), ("do", "explode")]),
    "repeated-field": ("uz_Cyrl", [("a.citizenship", "UZ"), ("a.citizenship", "TJ"), ("do", "back")]),
    "unknown-field": ("ru", [("a.citizenship", "UZ"), ("evil", "1"), ("do", "answer:in_russia:yes")]),
    "forged-pending": ("ky", [("a.citizenship", "KG"), ("pending", "nope"), ("do", "back")]),
    "impossible-date": ("ky", [("a.entry_date", "2026-02-30"), ("do", "answer:citizenship:KG")]),
    "date-not-as-we-write-it": ("ky", [("a.entry_date", "10.01.2026"), ("do", "answer:citizenship:KG")]),
    "negative-number": ("tg", [("a.days_in_russia_this_year", "-5"), ("do", "answer:citizenship:TJ")]),
    "garbage": ("ru", [("a.citizenship", "\ufffd" * 10), ("do", "back")]),
    "huge-field": ("tg", [("a.citizenship", "TJ" * 200), ("do", "answer:citizenship:TJ")]),
    "admin-superscript-id": ("ru", [("a.citizenship", "UZ"), ("do", "admin:²:confirm:_")]),
    "reminder-huge-id": ("ky", [("a.citizenship", "KG"), ("do", "reminder:99999999999999999999999:done")]),
}  # fmt: skip


@pytest.mark.parametrize(("locale", "fields"), CASES.values(), ids=CASES.keys())
def test_a_forged_or_stale_form_gets_the_stale_button_answer(
    client: httpx.Client, locale: str, fields: list[tuple[str, str]]
) -> None:
    response = post(client, f"/{locale}/step", fields)
    assert_friendly(response)
    assert response.status_code == 200
    assert notice(response) == _(locale, STALE)
    forged = {value for name, value in fields if name.startswith("a.")}
    kept = set(re.findall(r'name="a\.[^"]+" value="([^"]*)"', response.text))
    assert kept <= forged
    assert all(value in {"UZ", "TJ", "KG", "no"} for value in kept), kept


def test_a_stale_page_after_a_change_elsewhere_shows_where_the_person_is(
    client: httpx.Client,
) -> None:
    """The page asks the entry date, but its answers say the person is not in Russia."""
    response = post(
        client, "/ru/step",
        [("a.citizenship", "UZ"), ("a.in_russia", "no"), ("q", "entry_date"), ("text", "1.1.2026")],
    )  # fmt: skip
    assert notice(response) == _("ru", STALE)
    assert 'name="q" value="entry_ban"' in response.text


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: httpx.Client) -> None:
    response = post(client, "/ky/step", [("text", "x" * 20_000)])
    assert_friendly(response)
    assert response.status_code == 413
    assert _("ky", START_AGAIN) in response.text


def test_a_chunked_body_is_cut_at_the_limit(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a.citizenship=UZ&text="
        for _ in range(64):
            yield b"y" * 1024

    response = client.post("/tg/step", content=chunks(), headers=FORM)
    assert_friendly(response)
    assert response.status_code == 413
    assert _("tg", START_AGAIN) in response.text


def test_a_long_typed_answer_within_the_limit_gets_the_bots_too_long_answer(
    client: httpx.Client,
) -> None:
    fields = [("a.citizenship", "UZ"), ("a.in_russia", "yes"), ("a.in_registry", "no")]
    response = post(client, "/uz/step", [*fields, ("q", "entry_date"), ("text", "z" * 3000)])
    assert_friendly(response)
    assert notice(response) == _("uz", "This message is too long. Please answer in a few words.")


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("GET", "/uz_Cyrl/step", {}, None, 405),
        ("PUT", "/ru/step", FORM, "q=citizenship", 405),
        ("POST", "/ru/", FORM, "q=citizenship", 405),
        ("POST", "/ky/step", {"content-type": "application/json"}, '{"q": 1}', 400),
        ("POST", "/tg/step", {"content-type": "multipart/form-data; boundary=x"}, "--x--", 400),
        ("POST", "/uz/step", FORM, "&".join(f"f{n}=1" for n in range(100)), 400),
        ("GET", "/xx/", {}, None, 404),
        ("GET", "/ru/../../etc/passwd", {}, None, 404),
    ],
    ids=["get-step", "put", "post-start", "json", "multipart", "too-many-fields", "no-locale",
         "path-walk"],
)  # fmt: skip
def test_requests_that_are_not_ours_get_a_short_page_in_the_language(
    client: httpx.Client, method: str, path: str, headers: dict[str, str], body: str | None,
    status: int,
) -> None:  # fmt: skip
    response = client.request(method, path, headers=headers, content=body)
    assert_friendly(response)
    assert response.status_code == status
    locale = path.split("/")[1]
    if locale not in {"ru", "ky", "tg", "uz", "uz_Cyrl"}:
        locale = "ru"
    message = "This page does not exist." if status == 404 else START_AGAIN
    assert _(locale, message) in response.text
    if status == 405:
        assert "allow" in response.headers


def test_the_log_has_no_answers_no_addresses_and_no_tracebacks(
    client: httpx.Client, web_server: WebServer
) -> None:
    secret = "секретный ответ 12.03.2026"
    post(client, "/ru/step", [("a.citizenship", "UZ"), ("q", "in_russia"), ("text", secret)])
    client.get("/ru/" + "passport-AB123456")
    log = web_server.log_text()
    assert secret not in log and "12.03.2026" not in log
    assert "passport" not in log and "AB123456" not in log
    assert "a.citizenship" not in log and "Traceback" not in log
    access = [line for line in log.splitlines() if '"bot.web.access"' in line]
    assert access, log[-2000:]
    for line in access:
        assert re.search(r'"msg": "(GET|POST|PUT|HEAD) (/[\w./]*|-) \d{3} [\d.]+ms"', line), line
        assert "127.0.0.1" not in line


@pytest.mark.parametrize(
    "fields",
    [
        [("a.citizenship", "UZ"), ("do", "calendar")],  # the interview is not finished
        [("a.citizenship", "UZ"), ("a.in_russia", "yes"), ("do", "back")],  # not a file
        [("a.citizenship", "XX"), ("do", "timeline")],  # forged
    ],
    ids=["unfinished", "not-a-file", "forged"],
)
def test_a_file_for_a_form_that_is_not_a_result_is_the_stale_answer(
    client: httpx.Client, fields: list[tuple[str, str]]
) -> None:
    response = post(client, "/ky/file", fields)
    assert_friendly(response)
    assert "content-disposition" not in response.headers
    assert notice(response) == _("ky", STALE)


def test_a_result_without_deadlines_says_there_is_nothing_to_add(client: httpx.Client) -> None:
    fields = [
        ("a.citizenship", "UZ"),
        ("a.in_russia", "yes"),
        ("a.in_registry", "yes"),
        ("a.children", "no"),
    ]  # fmt: skip  (on the registry: no dated deadline)
    response = post(client, "/ru/file", [*fields, ("do", "calendar")])
    assert_friendly(response)
    assert "content-disposition" not in response.headers
    assert notice(response) == _("ru", "Your result has no deadlines to add.")


def test_a_typed_date_is_said_back_on_the_next_question(client: httpx.Client) -> None:
    fields = [("a.citizenship", "UZ"), ("a.in_russia", "yes"), ("a.in_registry", "no")]
    response = post(client, "/uz/step", [*fields, ("q", "entry_date"), ("do", "send"),
                                         ("text", "10.01.2026")])  # fmt: skip
    assert_friendly(response)
    said = re.search(r'<p class="understood">✅ ([^<]*)</p>', response.text)
    assert said and "2026" in said.group(1), response.text[:600]
    assert 'name="a.entry_date" value="2026-01-10"' in response.text


@pytest.mark.parametrize("typed", ["²", "①", "10.01.2025²"])
def test_a_superscript_digit_typed_is_not_understood_not_an_error(
    client: httpx.Client, typed: str
) -> None:
    """«²» is ``str.isdigit()`` but not a number ``int()`` reads: it gave a 500."""
    response = post(client, "/ru/step", [("q", "citizenship"), ("do", "send"), ("text", typed)])
    assert_friendly(response)
    assert response.status_code == 200
    assert notice(response) == _("ru", "I did not understand. Please tap one of the buttons.")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/ru//"), ("POST", "/ru/step/"), ("GET", "/tg//")]
)
def test_a_path_with_a_slash_too_many_is_not_found_not_an_absolute_redirect(
    client: httpx.Client, method: str, path: str
) -> None:
    """Behind a TLS proxy or a path prefix, a redirect to ``http://<Host>/…`` would lead
    nowhere; the page says the address is not known, in the path's language."""
    page = client.request(method, path, content=b"a.x=1", headers=FORM)
    assert page.status_code == 404 and "location" not in page.headers
    locale = path.strip("/").split("/")[0]
    assert _(locale, "Start again") in page.text
