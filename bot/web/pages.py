"""The web channel's requests: decode the form, run the interview, render the screen.

Every POST carries the whole state (:mod:`bot.web.form`), so any process or mirror
can answer any request, and nothing about the person is kept between them. What to
ask, what an answer means and what the result is are decided in the core; this
module only maps form buttons to interview steps and screens to templates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.core.interview import (
    Interview,
    answer_text,
    back,
    change,
    current_question,
    give_answer,
    progress,
)
from bot.core.rules import Ruleset, evaluate, present
from bot.core.rules.model import Question
from bot.core.rules.present import answer_label, format_day
from bot.i18n import LANGUAGE_NAMES, Catalogs, Translator, parse_error_message, question_hint
from bot.web.form import MAX_FIELDS, Submission, decode, hidden_fields

logger = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"

CHOOSE_PROMPTS = {
    "ky": "Тилди тандаңыз",
    "tg": "Забонро интихоб кунед",
    "uz": "Tilni tanlang",
    "uz_Cyrl": "Тилни танланг",
    "ru": "Выберите язык",
}
""""Choose a language" in each language (the bot's picker says the same)."""


def root_of(path: str) -> str:
    """The relative way back to the site's root from ``path`` (``/ru/step`` → ``../``).

    Every link and form action is relative, so the pages work under any address and
    under any path prefix a reverse proxy adds, without being told about it.
    """
    return "../" * (path.count("/") - 1) or "./"


class BadForm(Exception):
    """A POST that is not one of our forms (wrong type, too many fields, unreadable)."""


@dataclass(frozen=True)
class Button:
    """A form button: what it sends (``name=value``) and what it says."""

    name: str
    value: str
    label: str
    selected: bool = False


class WebPages:
    """The request handlers, bound to one ruleset, the catalogs and a clock."""

    def __init__(
        self,
        ruleset: Ruleset,
        catalogs: Catalogs,
        templates: Jinja2Templates,
        today: Callable[[], date],
    ) -> None:
        self.ruleset = ruleset
        self.catalogs = catalogs
        self.templates = templates
        self.today = today

    # ------------------------------------------------------------------ helpers

    def _page(
        self, request: Request, template: str, locale: str, context: dict[str, Any],
        status: int = 200,
    ) -> Response:  # fmt: skip
        _ = self.catalogs.gettext(locale)
        base = {
            "locale": locale,
            "root": root_of(request.url.path),
            "_": _,
            "title": context.pop("title", ""),
            "languages": self._languages(),
            "switch_label": _("Change the language"),
        }
        return self.templates.TemplateResponse(
            request, template, {**base, **context}, status_code=status
        )

    @staticmethod
    def _languages() -> list[dict[str, str]]:
        return [
            {"code": code, "name": name, "prompt": CHOOSE_PROMPTS[code]}
            for code, name in LANGUAGE_NAMES.items()
        ]

    def problem(self, request: Request, locale: str | None, status: int) -> Response:
        """The short friendly page for anything that is not one of our requests."""
        locale = locale if locale in LANGUAGE_NAMES else "ru"
        _ = self.catalogs.gettext(locale)
        if status == 404:
            message = _("This page does not exist.")
        elif status >= 500:
            message = _("Sorry, something went wrong. Please try again.")
        else:
            message = _("This page is out of date. Please start again.")
        return self._page(
            request, "problem.html", locale,
            {"message": message, "again": _("Start again"), "title": message},
            status=status,
        )  # fmt: skip

    @staticmethod
    def locale_of(request: Request) -> str:
        locale = str(request.path_params.get("locale", ""))
        if locale not in LANGUAGE_NAMES:
            raise HTTPException(404)
        return locale

    # ------------------------------------------------------------------ GET pages

    async def languages(self, request: Request) -> Response:
        """``/``: the five languages, each named in itself."""
        return self._page(request, "languages.html", "ru", {"notice": None})

    async def add_slash(self, request: Request) -> Response:
        """``/ru`` → ``ru/`` (a relative Location: right under any prefix)."""
        locale = self.locale_of(request)
        return RedirectResponse(f"{locale}/", status_code=308)

    async def start(self, request: Request) -> Response:
        """``/<locale>/``: what Hamroh does, what it keeps (nothing), the first question."""
        locale = self.locale_of(request)
        return self._interview(request, locale, Interview(), intro=True)

    # ------------------------------------------------------------------ POST step

    async def step(self, request: Request) -> Response:
        """One button press or typed answer; the answers come in and go out in the form."""
        locale = self.locale_of(request)
        form = await self._read_form(request)
        today = self.today()
        fields = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
        sub = decode(fields, self.ruleset, today)
        requested = form.get("lang")
        if requested is None:
            return self._apply(request, locale, sub, today)
        if not isinstance(requested, str) or requested not in LANGUAGE_NAMES:
            return self._apply(request, locale, replace(sub, tampered=True), today)
        # Another language: the same place in the interview, every answer kept.
        notice = None
        if sub.tampered:
            notice = self.catalogs.gettext(requested)(
                "This button is out of date. Here is where you are now."
            )
        return self._interview(request, requested, sub.state, notice=notice)

    async def _read_form(self, request: Request) -> FormData:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip()
        if content_type.lower() != FORM_TYPE:
            raise BadForm
        try:
            return await request.form(max_fields=MAX_FIELDS, max_files=0)
        except Exception as error:  # python-multipart and Starlette raise several kinds
            raise BadForm from error

    def _apply(self, request: Request, locale: str, sub: Submission, today: date) -> Response:
        _ = self.catalogs.gettext(locale)
        state = sub.state
        stale = _("This button is out of date. Here is where you are now.")
        if sub.tampered:
            return self._interview(request, locale, state, notice=stale)
        question = current_question(state, self.ruleset, today)
        if sub.shown is not None and (question is None or question.id != sub.shown):
            return self._interview(request, locale, state, notice=stale)
        if sub.change is not None:
            if sub.change not in {q.id for q in state.asked(self.ruleset, today)}:
                return self._interview(request, locale, state, notice=stale)
            return self._interview(request, locale, change(state, sub.change, self.ruleset, today))
        if sub.choice is not None:
            if question is None or sub.choice not in self.ruleset.option_values(question):
                return self._interview(request, locale, state, notice=stale)
            return self._interview(request, locale, give_answer(state, question.id, sub.choice))
        if sub.action == "back":
            return self._interview(request, locale, back(state, self.ruleset, today))
        if sub.action == "why":
            return self._interview(request, locale, state, show_why=True)
        if sub.text is not None and question is not None and sub.action in (None, "send"):
            new_state, error = answer_text(state, sub.text, self.ruleset, today)
            if error is not None:
                notice = parse_error_message(error, locale, self.catalogs)
                return self._interview(request, locale, state, notice=notice, typed=sub.text)
            return self._interview(request, locale, new_state)
        return self._interview(request, locale, state)

    # ------------------------------------------------------------------ screens

    def _interview(
        self,
        request: Request,
        locale: str,
        state: Interview,
        *,
        notice: str | None = None,
        show_why: bool = False,
        typed: str = "",
        intro: bool = False,
    ) -> Response:
        today = self.today()
        question = current_question(state, self.ruleset, today)
        if question is None:
            return self._result(request, locale, state, today, notice)
        _ = self.catalogs.gettext(locale)
        context = self._question_context(question, state, locale, today, _)
        context.update(
            notice=notice, why_open=show_why, typed=typed, title=context["screen"]["text"]
        )
        context["screen"]["notice"] = notice
        context["intro"] = (
            {
                "greeting": _("Hello! I am Hamroh."),
                "about": _(
                    "I will ask a few short questions and tell you your likely status "
                    "in Russia, what to do and by when."
                ),
                "privacy": _(
                    "This site keeps nothing about you: your answers travel only "
                    "inside this page and are gone when you close it."
                ),
            }
            if intro
            else None
        )
        return self._page(request, "question.html", locale, context)

    def _question_context(
        self, question: Question, state: Interview, locale: str, today: date, _: Translator
    ) -> dict[str, Any]:
        position, total = progress(state, self.ruleset, today)
        current_value = state.answers.get(question.id)
        typed_input = question.type if question.type in ("date", "integer") else None
        options = [
            Button(
                "choice",
                value,
                self.ruleset.option_label(question, value).get(locale),
                selected=value == current_value,
            )
            for value in self.ruleset.option_values(question)
        ]
        navigation = []
        if position > 1:
            navigation.append(Button("do", "back", "◀ " + _("Back")))
        navigation.append(Button("do", "why", "❔ " + _("Why we ask this?")))
        screen = {
            "question_id": question.id,
            "position": position,
            "total": total,
            "text": question.text.get(locale),
            "current_answer": (
                _("Your answer now: {answer}").format(
                    answer=answer_label(self.ruleset, question.id, current_value, locale)
                )
                if current_value is not None
                else None
            ),
            "hint": question_hint(question, locale, self.catalogs),
            "typed_input": typed_input,
        }
        return {
            "screen": screen,
            "options": options,
            "navigation": navigation,
            "why_text": question.why.get(locale),
            "hidden": hidden_fields(state.answers),
            "labels": {"send": _("Next")},
        }

    def _result(
        self, request: Request, locale: str, state: Interview, today: date, notice: str | None
    ) -> Response:
        _ = self.catalogs.gettext(locale)
        data = present(evaluate(state.answers, today, self.ruleset), self.ruleset, locale)
        because = {item["outcome"]: item["because"] for item in data["explanation"]}
        outcomes = [
            {
                **outcome,
                "because": because.get(outcome["id"], []),
                "sources": [(s["title"], s["url"]) for s in outcome["sources"]],
            }
            for outcome in data["outcomes"]
        ]
        seen: dict[str, Any] = {}
        for outcome in data["outcomes"]:
            for contact in outcome["contacts"]:
                seen.setdefault(contact["id"], contact)
        answered = [q for q in state.asked(self.ruleset, today) if q.id in state.answers]
        reviewed = format_day(date.fromisoformat(data["content_reviewed"]), locale)
        context = {
            "title": data["status_title"],
            "notice": notice,
            "result": data,
            "card_lines": [],
            "outcomes": outcomes,
            "hidden": hidden_fields(state.answers),
            "labels": {
                "as_of": _("Result as of {date}").format(date=format_day(today, locale)),
                "deadlines": _("Deadlines"),
                "details": _("Why this result"),
                "why": _("Why:"),
                "what_to_do": _("What to do:"),
                "legal_basis": _("Legal basis:"),
                "sources": _("Sources:"),
                "rules_checked": _("Rules last checked: {date}").format(date=reviewed),
                "change": _("Change an answer"),
                "back": "◀ " + _("Back"),
            },
            "answers": {
                "title": _("Your answers"),
                "items": [
                    {
                        "label": q.label.get(locale),
                        "answer": answer_label(self.ruleset, q.id, state.answers[q.id], locale),
                        "name": "change",
                        "value": q.id,
                    }
                    for q in answered
                ],
                "footer": _("Tap an answer to change it. Your other answers stay."),
                "empty": _("You have not answered any questions yet."),
            },
            "contacts": {
                "title": _("Where to get help"),
                "contacts": list(seen.values()),
                "empty": _("I have no contacts for your case yet."),
            },
            "calendar": None,
            "calendar_labels": {
                "button": _("Download the calendar file"),
                "note": _(
                    "Your deadlines with reminders, for the calendar on your phone. "
                    "The titles of the entries do not mention migration."
                ),
            },
        }
        return self._page(request, "result.html", locale, context)
