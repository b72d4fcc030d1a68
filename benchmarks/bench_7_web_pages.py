"""Benchmark 7's check that a speed change changes nothing a person sees: pages to files.

Not a timing: it writes, through the ASGI app in this process, every page type of the
web in all five languages (the first pages, questions, "why we ask", typed and mistyped
dates, change an answer, back, stale and tampered forms, a language switch, results,
the official sheet), every question page on the way through each rule test case (each
tap of its interview, in one language per case), and the result page of every complete
rule case in every language, judged on the case's own day. Each file holds the status
line, the headers and the plain body. Run it on two commits and compare the folders:

    python benchmarks/bench_7_web_pages.py /tmp/pages-before   # on the old commit
    python benchmarks/bench_7_web_pages.py /tmp/pages-after    # on the new one
    diff -r /tmp/pages-before /tmp/pages-after && echo identical

It prints how many pages it wrote and one digest of them all, so two runs can also be
compared by that line alone.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import _common
from bench_7_web import ANSWERS, AS_OF, PAGES

Request = tuple[str, str, list[tuple[bytes, bytes]], bytes]


def _split(raw: bytes) -> Request:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    method, path, _ = lines[0].split(b" ")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() != b"accept-encoding":  # the plain body, to compare
            headers.append((name.strip().lower(), value.strip()))
    return method.decode(), path.decode(), headers, body


def _post(locale: str, fields: list[tuple[str, str]]) -> Request:
    body = urlencode(fields).encode()
    headers = [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
    ]
    return "POST", f"/{locale}/step", headers, body


async def _call(app: object, request: Request) -> bytes:
    method, path, headers, body = request
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8080),
    }  # fmt: skip
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    out: list[bytes] = []

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            out.append(f"{message['status']}\n".encode())
            for name, value in message.get("headers", []):  # type: ignore[attr-defined]
                out.append(name + b": " + value + b"\n")
            out.append(b"\n")
        else:
            out.append(message.get("body", b""))  # type: ignore[arg-type]

    await app(scope, receive, send)  # type: ignore[operator]
    return b"".join(out)


def page_types() -> dict[str, Request]:
    """Every page type in every language (the benchmark's own person's answers)."""
    answers = ANSWERS
    requests = {name: _split(raw) for name, raw in PAGES.items()}
    requests["languages"] = ("GET", "/", [], b"")
    kyrgyz = [
        ("a.citizenship", "KG"), ("a.in_russia", "yes"), ("a.in_registry", "no"),
        ("a.entry_date", "2026-01-10"), ("a.purpose", "work"), ("a.region", "moscow"),
        ("q", "document"), ("do", "answer:document:eaeu_contract"),
    ]  # fmt: skip
    for loc in ("ru", "ky", "tg", "uz", "uz_Cyrl"):
        tapped = [*answers, ("q", "children"), ("do", "answer:children:no")]
        done = [*answers, ("a.children", "no")]
        requests |= {
            f"{loc} start": ("GET", f"/{loc}/", [], b""),
            f"{loc} q2": _post(
                loc, [answers[0], ("q", "in_russia"), ("do", "answer:in_russia:yes")]
            ),
            f"{loc} why": _post(loc, [*answers[:3], ("q", "entry_date"), ("do", "why:entry_date")]),
            f"{loc} typed bad": _post(
                loc, [*answers[:3], ("q", "entry_date"), ("do", "send"), ("text", "zzz")]
            ),
            f"{loc} typed ok": _post(
                loc, [*answers[:3], ("q", "entry_date"), ("do", "send"), ("text", "10.01.2026")]
            ),
            f"{loc} change": _post(loc, [*done, ("do", "change:region")]),
            f"{loc} change answered": _post(
                loc, [*done, ("pending", "region"), ("q", "region"), ("do", "answer:region:spb")]
            ),
            f"{loc} back": _post(loc, [*answers[:6], ("q", "document"), ("do", "back")]),
            f"{loc} result": _post(loc, tapped),
            f"{loc} stale": _post(loc, [("a.citizenship", "XX"), ("do", "answer:in_russia:yes")]),
            f"{loc} kg": _post(loc, kyrgyz),
            f"{loc} lang": _post(loc, [*answers[:4], ("do", "language:ky")]),
            f"{loc} official": _post(loc, [*done, ("do", "detail:official")]),
            f"{loc} contacts": _post(loc, [*done, ("do", "detail:contacts")]),
            f"{loc} answers": _post(loc, [*done, ("do", "answers")]),
            f"{loc} not found": ("GET", f"/{loc}/nothing", [], b""),
        }
    return requests


def case_requests(ruleset: object) -> dict[str, tuple[date, Request]]:
    """Each tap through every rule test case, and each complete case's result in every
    language, with the day each case is judged on."""
    from bot.app.state import decode_answers, encode_value
    from bot.core.interview import Interview, current_question
    from bot.core.locales import LOCALES

    locales = list(LOCALES)
    found: dict[str, tuple[date, Request]] = {}
    for number, located in enumerate(ruleset.tests):  # type: ignore[attr-defined]
        case = located.case
        day = case.as_of
        answers = decode_answers(ruleset, {k: encode_value(v) for k, v in case.answers.items()})
        locale = locales[number % len(locales)]
        given: dict[str, object] = {}
        for step in range(len(answers) + 1):
            question = current_question(Interview(given), ruleset, day)  # type: ignore[arg-type]
            if question is None or question.id not in answers:
                break
            value = answers[question.id]
            fields = [("a." + k, encode_value(v)) for k, v in sorted(given.items())]
            fields.append(("q", question.id))
            text = encode_value(value)
            if question.options and text in ruleset.option_values(question):  # type: ignore[attr-defined]
                fields.append(("do", f"answer:{question.id}:{text}"))
            else:
                fields += [("do", "send"), ("text", text)]
            found[f"case {number:03} tap {step:02} {locale}"] = (day, _post(locale, fields))
            given[question.id] = value
        if current_question(Interview(given), ruleset, day) is None:  # type: ignore[arg-type]
            fields = [("a." + k, encode_value(v)) for k, v in sorted(given.items())]
            for loc in locales:
                request = _post(loc, [*fields, ("do", "detail:why")])
                found[f"case {number:03} result {loc}"] = (day, request)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write the pages (made if missing)")
    parser.add_argument(
        "--prewarm",
        action="store_true",
        help="make the parts that are the same for everyone at start, as `hamroh web` does",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    from bot.core.rules import load_ruleset
    from bot.i18n import load_catalogs
    from bot.web.server import create_app

    ruleset = load_ruleset(_common.ROOT / "rules")
    catalogs = load_catalogs(_common.ROOT / "locales")
    apps: dict[date, object] = {}

    def app_for(day: date) -> object:
        if day not in apps:
            apps[day] = create_app(ruleset, catalogs, lambda: day, prewarm=args.prewarm)
        return apps[day]

    requests = {name: (date.fromisoformat(AS_OF), req) for name, req in page_types().items()}
    requests |= case_requests(ruleset)
    args.folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for name, (day, request) in requests.items():
        page = asyncio.run(_call(app_for(day), request))
        again = asyncio.run(_call(app_for(day), request))  # the second from what is kept
        if again != page:
            sys.exit(f"{name}: the page differs the second time")
        (args.folder / (name.replace(" ", "_") + ".txt")).write_bytes(page)
        digest.update(name.encode() + b"\0" + page + b"\0")
    print(f"{len(requests)} pages written to {args.folder}, digest {digest.hexdigest()[:16]}")
    print(f"wall time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
