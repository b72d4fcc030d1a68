"""What goes on the wire: gzip when asked for, the same page either way, the headers.

The first page of each language is made once and kept (it holds no answers), the
others are rendered per request: both must look the same to a browser, whatever it
accepts, and carry every security header.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from .conftest import WebServer

GZIP = {"accept-encoding": "gzip"}
PLAIN = {"accept-encoding": "identity"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def client(web_server: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_server.url, timeout=30) as session:
        yield session


def assert_page_headers(response: httpx.Response) -> None:
    headers = response.headers
    assert response.status_code == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["vary"] == "Accept-Encoding"
    assert "set-cookie" not in headers


@pytest.mark.parametrize("locale", ["ru", "ky", "tg", "uz", "uz_Cyrl"])
def test_the_first_page_is_the_same_compressed_or_not_and_every_time(
    client: httpx.Client, locale: str
) -> None:
    pages = [client.get(f"/{locale}/", headers=GZIP) for _ in range(2)]
    plain = client.get(f"/{locale}/", headers=PLAIN)
    for page in pages:
        assert_page_headers(page)
        assert page.headers["content-encoding"] == "gzip"
    assert_page_headers(plain)
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain.content)
    assert pages[0].text == pages[1].text == plain.text
    assert f'action="../{locale}/step"' in plain.text


def test_a_question_page_is_the_same_compressed_or_not(client: httpx.Client) -> None:
    body = urlencode([("a.citizenship", "UZ"), ("q", "in_russia"), ("do", "answer:in_russia:yes")])
    packed = client.post("/ru/step", content=body, headers={**FORM, **GZIP})
    plain = client.post("/ru/step", content=body, headers={**FORM, **PLAIN})
    assert_page_headers(packed)
    assert_page_headers(plain)
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert packed.text == plain.text
    assert 'name="a.in_russia" value="yes"' in plain.text


def test_static_files_are_compressed_and_cached_for_a_year(client: httpx.Client) -> None:
    page = client.get("/ru/", headers=PLAIN).text
    start = page.index("static/hamroh.css")
    url = "/" + page[start : page.index('"', start)]
    packed = client.get(url, headers=GZIP)
    plain = client.get(url, headers=PLAIN)
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["cache-control"] == plain.headers["cache-control"]
    assert "immutable" in plain.headers["cache-control"]
    assert packed.text == plain.text
