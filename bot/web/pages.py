"""The web channel's requests: decode the form, call a use case, render its screens.

Every POST carries the whole state (:mod:`bot.web.form`), so any process or mirror
can answer any request, and nothing about the person is kept between them. What to
ask, what an answer means, what is stale and what the result is are decided by the
use cases (:mod:`bot.app.interview`); this module maps form buttons to their
actions and screens to templates.

A finished interview is one page: the result with its card, the deadlines, why and
every step, the answers (each one changeable) and the contacts. The details a
Telegram user taps for are sections of that page (folded when JavaScript runs), so
they cost no round trip on a slow link. Reminders need a stored chat, so the web
offers the calendar file instead of "Remind me": the result's "Add to calendar" and
"Timeline picture" buttons post to ``/<locale>/file``, whose answer is the file the
export use case (:mod:`bot.app.exports`) hands over, as a download.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, get_args
from urllib.parse import parse_qsl

from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.app import exports, interview
from bot.app.context import Context
from bot.app.pages import language_picker
from bot.app.screens import (
    Action,
    AddToCalendar,
    Answered,
    AnswerItem,
    Attachment,
    ChangeAnswer,
    Choice,
    Contacts,
    InterviewAction,
    Intro,
    LanguageChosen,
    ListAnswers,
    Notice,
    Official,
    OutcomeBlock,
    PickLanguage,
    Question,
    Result,
    ResultLabels,
    Screen,
    ShowDetail,
    ShowTimeline,
    action_key,
)
from bot.core.card import STATUS_ICONS, Card, LineKind
from bot.core.interview import Interview, current_question, reaching
from bot.core.locales import BY_CODE, LOCALES
from bot.core.rules import Ruleset
from bot.core.rules.present import ContactText, contact_text
from bot.export import Fonts
from bot.i18n import Catalogs
from bot.web.form import ANSWER_PREFIX, MAX_FIELDS, Submission, decode, hidden_fields
from bot.web.render import Drawn, SameForEveryone
from bot.web.wire import SharedPage

logger = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"
SECTIONS = {
    "why": "details",
    "steps": "details",
    "sources": "details",
    "contacts": "contacts",
    "calendar": "calendar",
}
"""A result's detail section → the part of the result page that holds it (a link to
it); any other section is a button that asks for its own page."""
CUT = "\x00"
"""Where a kept frame or the person's parts are cut apart (no text of ours holds it)."""
RESULT_PARTS = (
    "title", "status", "notices", "card", "hidden_inputs", "deadlines", "outcomes",
    "contacts", "disclaimer", "rules_checked", "answers",
)  # fmt: skip
"""The marks in a result's frame (``result.html``): what each page puts in."""


def root_of(path: str) -> str:
    """The relative way back to the site's root from ``path`` (``/ru/step`` → ``../``).

    Every link and form action is relative, so the pages work under any address and
    under any path prefix a reverse proxy adds, without being told about it.
    """
    return "../" * (path.count("/") - 1) or "./"


class BadForm(Exception):
    """A POST that is not one of our forms (wrong type, too many fields, unreadable)."""


@dataclasses.dataclass(frozen=True)
class Button:
    """A form button: the value it sends as ``do`` and what it says."""

    value: str
    label: str
    icon: str = ""
    selected: bool = False
    toggle: str | None = None
    """With JavaScript, the id of the element it opens in place (no round trip)."""


@dataclasses.dataclass(frozen=True)
class Kept:
    """A part of a result as every result shows it (an outcome, a line of the answers),
    cut where the person's own words go (its reasons, the answer)."""

    texts: tuple[Any, ...]
    """What it was made from besides those words (a page uses it only if its own are
    the same: see :func:`_outcome_texts`)."""
    before: str
    after: str


def card_texts(card: Card) -> list[tuple[LineKind, str]]:
    """A card's lines as a page shows them (``_card_lines.html``): a note without the
    indent that sets it apart in a chat (on a page its markup does)."""
    return [
        (line.kind, line.text.strip() if line.kind == "note" else line.text)
        for line in card.lines()
    ]


class PersonParts:
    """The macros that draw the person's parts of a result (``_result_person.html``),
    the card's lines (``_card_lines.html``) and a question page's person's part
    (``_question_person.html``), each drawn once with marks
    (:class:`~bot.web.render.Drawn`): markup only, the same for everyone."""

    def __init__(self, templates: Jinja2Templates) -> None:
        question: Any = templates.get_template("_question_person.html").module
        self.question = Drawn(question.person, 6)
        person: Any = templates.get_template("_result_person.html").module
        self.notice = Drawn(person.notice, 1)
        self.no_card = Drawn(person.no_card, 4)
        self.deadline = Drawn(person.deadline, 5)
        self.deadlines = Drawn(person.deadlines, 2)
        self.contacts = Drawn(person.contacts, 3)
        self.answers = Drawn(person.answers, 4)
        card: Any = templates.get_template("_card_lines.html").module
        self.card_line = {
            kind: Drawn(functools.partial(card.card_line, kind), 1) for kind in get_args(LineKind)
        }


def button(choice: Choice) -> Button:
    """A screen's choice as a form button (``<button name="do" value="…">``)."""
    key = action_key(choice.action)
    toggle = "why" if key.startswith("why:") else None
    return Button(key, choice.label, choice.icon, choice.selected, toggle)


class WebPages:
    """The request handlers, bound to one ruleset, the catalogs and a clock."""

    def __init__(
        self,
        ruleset: Ruleset,
        catalogs: Catalogs,
        templates: Jinja2Templates,
        today: Callable[[], date],
        now: Callable[[], datetime],
        fonts: Callable[[], Fonts | None],
    ) -> None:
        self.ruleset = ruleset
        self.catalogs = catalogs
        self.templates = templates
        self.today = today
        self.now = now
        """The moment a file is made (its ``DTSTAMP``): the adapter reads the clock."""
        self.fonts = fonts
        self._drawn = PersonParts(templates)
        self._start_pages: SameForEveryone[SharedPage] = SameForEveryone()
        """The first page of each language, for today (see :meth:`start`)."""
        self._switchers: dict[str, list[tuple[str, Button]]] = {}
        self._question_bodies: SameForEveryone[Markup] = SameForEveryone()
        self._frames: SameForEveryone[tuple[str, str, str]] = SameForEveryone()
        """A question page's frame per language, question and root (``_question_frame``)."""
        self._parts: SameForEveryone[Markup] = SameForEveryone()
        """Sources, contacts, the language switcher: per language (see :meth:`_shared`)."""
        self._result_frames: dict[tuple[str, str, tuple[Choice, ...]], tuple[str, ...]] = {}
        """A result page's frame per language, root and buttons (:meth:`_result_frame`)."""
        self._outcomes: dict[tuple[str, str], Kept] = {}
        """Each outcome per language (:meth:`_outcome`)."""
        self._hidden_lines: dict[str, Kept] = {}
        """Each hidden field's line, per name (:meth:`_hidden`)."""
        self._answer_items: dict[tuple[str, Action], Kept] = {}
        """Each question's line in a result's answers, per language (:meth:`_answer_item`).
        These four tables are made at start (:meth:`prewarm`) and only read after: none
        holds a date, so they never go stale, and what a page does not find there is
        rendered for it and not kept."""

    def context(self, locale: str, today: date | None = None) -> Context:
        """The web's view (its interview states are ``private``: see ``bot.web.form``)."""
        return Context(self.ruleset, today or self.today(), locale, self.catalogs)

    # ------------------------------------------------------------------ rendering

    def _page(
        self, request: Request, template: str, ctx: Context, values: dict[str, Any],
        status: int = 200,
    ) -> Response:  # fmt: skip
        html = self._render(template, ctx, root_of(request.scope["path"]), values)
        return HTMLResponse(html, status_code=status)

    def _render(self, template: str, ctx: Context, root: str, values: dict[str, Any]) -> str:
        base = {
            "locale": ctx.locale,
            "root": root,
            "title": "",
            **self._switcher_values(ctx),
        }
        # rendered here rather than by TemplateResponse: the templates never read the
        # request, and building its context and URL costs a tenth of a question page
        return self.templates.get_template(template).render({**base, **values})

    def _question_frame(self, ctx: Context, root: str, title: str) -> tuple[str, str, str]:
        """A question page around what is drawn per page: the page before the person's
        part, between it and the question's body, and after (see :meth:`_question`).

        The same for everyone who sees that question in that language, so it is
        rendered once with marks in the two places and cut there.
        """

        def make() -> tuple[str, str, str]:
            marks = {name: Markup(f"\x00{name}\x00") for name in ("person", "question_body")}
            values = {"title": title, "intro": None, **marks}
            html = self._render("question.html", ctx, root, values)
            before, rest = html.split(marks["person"])
            between, after = rest.split(marks["question_body"])
            return before, between, after

        return self._frames.get(ctx.today, (ctx.locale, root, title), make)

    def _shared(self, ctx: Context, template: str, key: str, values: dict[str, Any]) -> Markup:
        """A part of a page that is the same for everyone: ``template`` for one thing of
        the ruleset (an outcome's sources, a contact, ``key``) in one language, made once.

        Only for parts drawn from the ruleset and the catalogs alone: ``values`` must
        hold nothing that depends on the person's answers (see :class:`SameForEveryone`).
        """

        def make() -> Markup:
            return Markup(self.templates.get_template(template).render(values))

        return self._parts.get(ctx.today, (template, ctx.locale, key), make)

    def _sources(
        self, ctx: Context, outcome_id: str, sources: tuple[tuple[str, str], ...]
    ) -> Markup:
        """An outcome's sources (titles and links: the ruleset's, the same in every result)."""
        values = {"sources": sources, "label": ctx._("Sources:")}
        return self._shared(ctx, "_sources.html", outcome_id, values)

    def _contact(self, ctx: Context, contact: ContactText) -> Markup:
        return self._shared(ctx, "_contact.html", contact.id, {"contact": contact})

    def _switcher(self, ctx: Context) -> Markup:
        return self._shared(ctx, "_languages.html", "", self._switcher_values(ctx))

    def _switcher_values(self, ctx: Context) -> dict[str, Any]:
        """What a template needs to draw the language switcher."""
        return {
            "languages": self._languages(ctx.locale),
            "switch_label": ctx._("Change the language"),
        }

    def _languages(self, locale: str) -> list[tuple[str, Button]]:
        """The language switcher's buttons (the current one marked), once per language."""
        found = self._switchers.get(locale)
        if found is None:
            picker = language_picker(locale)
            found = self._switchers[locale] = [
                (c.action.locale, button(c))
                for c in picker.choices
                if isinstance(c.action, PickLanguage)
            ]
        return found

    def problem(self, request: Request, locale: str | None, status: int) -> Response:
        """The short friendly page for anything that is not one of our requests."""
        ctx = self.context(locale if locale in BY_CODE else "ru")
        _ = ctx._
        if status == 404:
            message = _("This page does not exist.")
        elif status >= 500:
            message = _("Sorry, something went wrong. Please try again.")
        else:
            message = _("This page is out of date. Please start again.")
        values = {"message": message, "again": _("Start again"), "title": message}
        return self._page(request, "problem.html", ctx, values, status=status)

    def draw(
        self, request: Request, ctx: Context, state: Interview, screens: list[Screen],
        notice: str | None = None,
    ) -> Response:  # fmt: skip
        """The page for what a use case answered: a question, or the whole result."""
        notices = [notice] if notice else []
        notices += [s.text for s in screens if isinstance(s, Notice)]
        question = next((s for s in screens if isinstance(s, Question)), None)
        if question is not None:
            return self._question(request, ctx, state, screens, question, notices)
        official = next((s for s in screens if isinstance(s, Official)), None)
        if official is not None:
            return self._official(request, ctx, state, official)
        result = next((s for s in screens if isinstance(s, Result)), None)
        if result is None:  # a detail or the answer list: all of them are on the result page
            step = interview.current(ctx, state, brief=False)
            kept: list[Screen] = [Notice(text) for text in notices]
            return self.draw(request, ctx, state, [*kept, *step.reply.screens])
        return self._result(request, ctx, state, result, notices)

    def _question(
        self, request: Request, ctx: Context, state: Interview, screens: list[Screen],
        question: Question, notices: list[str], typed: str = "",
    ) -> Response:  # fmt: skip
        intro = next((s for s in screens if isinstance(s, Intro)), None)
        if intro is not None:  # what the web keeps is not what the bot keeps
            intro = dataclasses.replace(intro, privacy=self.privacy(ctx))
        why = _why_text(ctx, question)
        if question.notice:
            notices.append(question.notice)
        navigation = [button(c) for c in question.navigation]
        body = self._question_body(ctx, question, navigation, why, typed)
        drawn = self._drawn
        person = drawn.question(
            self._hidden(state),
            question.question_id,
            Markup("".join(drawn.notice(text) for text in notices)),
            question.understood,
            question.position,
            question.total,
        )
        if intro is not None:  # the first page, which is kept whole (see :meth:`start`)
            values = {
                "title": question.text,
                "intro": intro,
                "person": Markup(person),
                "question_body": body,
            }
            return self._page(request, "question.html", ctx, values)
        # the page around the person's part and the question's body is kept: only the
        # person's part is rendered per page
        before, between, after = self._question_frame(
            ctx, root_of(request.scope["path"]), question.text
        )
        return HTMLResponse("".join((before, person, between, body, after)))

    def _question_body(
        self, ctx: Context, question: Question, navigation: list[Button], why: str | None,
        typed: str,
    ) -> Markup:  # fmt: skip
        """The question, its buttons, "why we ask" and the language switcher.

        Made once per language, question and button row for everyone, unless it
        shows something of the person: an answer given before (changing it), a
        typed text sent back to fix, or fewer buttons than the question has (an
        earlier answer hid some). Those are made for the one request and not kept.
        """
        why_open = question.why is not None

        def make() -> Markup:
            values = {
                "screen": question,
                "options": [button(c) for c in question.options],
                "navigation": navigation,
                "why_text": why,
                "why_open": why_open,
                "typed": typed,
                "send": ctx._("Next"),
                **self._switcher_values(ctx),
            }
            return Markup(self.templates.get_template("_question_body.html").render(values))

        item = ctx.ruleset.question(question.question_id)
        personal = (
            typed
            or question.current_answer is not None
            or any(c.selected for c in question.options)
            or len(question.options) != len(ctx.ruleset.option_values(item))
        )
        if personal:
            return make()
        key = (ctx.locale, question.question_id, why_open, tuple(b.value for b in navigation))
        return self._question_bodies.get(ctx.today, key, make)

    def _result(
        self, request: Request, ctx: Context, state: Interview, result: Result,
        notices: list[str],
    ) -> Response:  # fmt: skip
        """The whole result: its frame (kept per language and button row, see
        :meth:`_result_frame`), the person's parts (``_result_person.html``'s macros,
        drawn once and filled in: :class:`PersonParts`), each outcome (kept, with its
        reasons put in, unless its texts show the person's answers: :meth:`_outcome`)
        and each line of the answers (kept, with the answer put in:
        :meth:`_answer_item`)."""
        contacts = _contacts(ctx, state, result)
        shown = result.presentation
        answers = interview.answers_screen(ctx, state)
        labels = result.labels
        drawn = self._drawn
        notices_html = "".join(drawn.notice(text) for text in notices)
        if result.card is not None:
            card_line = drawn.card_line
            card = "".join(card_line[kind](text) for kind, text in card_texts(result.card))
        else:
            icon = STATUS_ICONS.get(shown.status, "")
            card = drawn.no_card(icon, shown.status_title, shown.status_summary, labels.as_of)
        deadline = drawn.deadline
        deadlines = drawn.deadlines(
            labels.deadlines,
            Markup(
                "".join(
                    deadline(d.id, d.date, d.date_text, d.label, d.note) for d in shown.deadlines
                )
            ),
        )
        contact_parts = "".join(self._contact(ctx, c) + "\n" for c in contacts.contacts)
        contacts_html = drawn.contacts(contacts.title, Markup(contact_parts), contacts.empty)
        answer_items = "".join(self._answer_item(ctx, i) + "\n" for i in answers.items)
        answers_html = drawn.answers(
            answers.title, Markup(answer_items), answers.footer, answers.empty
        )
        outcomes = "".join(
            self._outcome(ctx, text.id, block, labels) + "\n"
            for text, block in zip(shown.outcomes, result.outcomes, strict=True)
        )
        parts = {
            "title": escape(shown.status_title),
            "status": escape(shown.status),
            "notices": notices_html,
            "card": card,
            "hidden_inputs": self._hidden(state),
            "deadlines": deadlines,
            "outcomes": outcomes,
            "contacts": contacts_html,
            "disclaimer": escape(shown.disclaimer),
            "rules_checked": escape(labels.rules_checked),
            "answers": answers_html,
        }
        root = root_of(request.scope["path"])
        frame = self._result_frames.get((ctx.locale, root, result.actions))
        if frame is None:  # not made at start: made for this page, not kept
            frame = self._result_frame(ctx, root, result.actions)
        page = [piece if i % 2 == 0 else parts[piece] for i, piece in enumerate(frame)]
        return HTMLResponse("".join(page))

    def _result_frame(
        self, ctx: Context, root: str, actions: tuple[Choice, ...]
    ) -> tuple[str, ...]:
        """A result page around the person's parts, cut at the marks where they go: the
        page's text and the names of the parts, in turn (``text, name, text, …``).

        The same for everyone in a language whose result has the same buttons (with or
        without deadlines: :func:`bot.app.interview.result_choices`), so :meth:`prewarm`
        renders it once with marks and keeps it; the status, its title, the disclaimer
        and the date the rules were checked are marks too (a frame holds only the
        catalogs' words and the buttons).
        """
        links: list[tuple[str, Choice]] = []
        more: list[Button] = []
        files: list[Button] = []
        for choice in actions:
            action = choice.action
            if isinstance(action, ListAnswers):
                links.append(("answers", choice))
            elif isinstance(action, ShowDetail) and action.section in SECTIONS:
                links.append((SECTIONS[action.section], choice))
            elif isinstance(action, ShowDetail):
                more.append(button(choice))
            elif isinstance(action, AddToCalendar):
                files.append(button(choice))
                detailed = Choice(ctx._("Detailed titles"), AddToCalendar(detailed=True), "📝")
                files.append(button(detailed))
            elif isinstance(action, ShowTimeline):
                files.append(button(choice))
        marks = {name: Markup(f"{CUT}{name}{CUT}") for name in RESULT_PARTS}
        values = {
            **marks,
            "switcher": self._switcher(ctx),
            "links": _unique_targets(links),
            "more": more,
            "details_title": ctx._("Why this result"),  # the title of the "Why?" detail
            "back": "◀️ " + ctx._("Back"),
            "files": files,
            "files_note": ctx._(
                "Your deadlines with reminders, for the calendar on your phone. "
                "By default the entries do not say what they are about."
            ),
            "detailed_note": ctx._(
                "The titles name each deadline and the notes hold the steps. "
                "Anyone who looks at your phone can read them."
            ),
        }
        return tuple(self._render("result.html", ctx, root, values).split(CUT))

    def _outcome(
        self, ctx: Context, outcome_id: str, block: OutcomeBlock, labels: ResultLabels
    ) -> str:
        """One outcome of a result (``_outcome.html``).

        Kept per language and outcome with a mark where its reasons go, made from the
        ruleset's texts alone (:meth:`prewarm`); a result whose outcome shows the same
        texts (all but the reasons, which read the person's answers) gets the kept copy
        with its reasons put in. An outcome whose title, steps or notes show an answer
        is rendered for the one page.
        """
        kept = self._outcomes.get((ctx.locale, outcome_id))
        if kept is not None and block.because and kept.texts == _outcome_texts(block, labels):
            return "".join((kept.before, escape(" ".join(block.because)), kept.after))
        return self._render_outcome(ctx, outcome_id, block, labels)

    def _hidden(self, state: Interview) -> Markup:
        """The person's answers as hidden fields (``_hidden.html``): each field's line is
        kept per name with a mark where the value goes (:meth:`prewarm`), else rendered."""
        lines = []
        for name, value in hidden_fields(state):
            kept = self._hidden_lines.get(name)
            if kept is None:
                lines.append(self._render_hidden([(name, value)]))
            else:
                lines.append("".join((kept.before, escape(value), kept.after)))
        return Markup("".join(lines))

    def _render_hidden(self, fields: list[tuple[str, str]]) -> str:
        return self.templates.get_template("_hidden.html").render({"hidden": fields})

    def _keep_hidden_lines(self) -> None:
        """Keep the line of every field a form of ours may hold: an answer to each
        question, the pending question (see :mod:`bot.web.form`)."""
        names = [ANSWER_PREFIX + q.id for q in self.ruleset.questions] + ["pending"]
        for name in names:
            before, after = self._render_hidden([(name, Markup(CUT))]).split(CUT)
            self._hidden_lines[name] = Kept((), before, after)

    def _answer_item(self, ctx: Context, item: AnswerItem) -> str:
        """One answer of a result's list (``_answer_item.html``): kept per language and
        question with a mark where the answer goes (:meth:`prewarm`), else rendered."""
        kept = self._answer_items.get((ctx.locale, item.change.action))
        if kept is not None and kept.texts == (item.label,):
            return "".join((kept.before, escape(item.answer), kept.after))
        return self._render_answer_item(ctx, item)

    def _render_answer_item(self, ctx: Context, item: AnswerItem) -> str:
        values = {"item": item, "change": ctx._("Change an answer")}
        return self.templates.get_template("_answer_item.html").render(values)

    def _keep_answer_items(self, ctx: Context) -> None:
        """Keep every question's line in a result's list of answers (the answer a mark),
        with the label and button :func:`bot.app.interview.answers_screen` gives it."""
        for question in ctx.ruleset.questions:
            label = question.label.get(ctx.locale)
            change = Choice(label, ChangeAnswer(question.id), icon="✏️")
            marked = AnswerItem(label, Markup(CUT), change)
            before, after = self._render_answer_item(ctx, marked).split(CUT)
            self._answer_items[(ctx.locale, change.action)] = Kept((label,), before, after)

    def _render_outcome(
        self, ctx: Context, outcome_id: str, block: OutcomeBlock, labels: ResultLabels
    ) -> str:
        values = {
            "outcome": block,
            "outcome_id": outcome_id,
            "labels": labels,
            "source_part": self._sources(ctx, outcome_id, block.sources),
        }
        return self.templates.get_template("_outcome.html").render(values)

    def _keep_outcome(
        self, ctx: Context, outcome_id: str, block: OutcomeBlock, labels: ResultLabels
    ) -> None:
        """Keep an outcome as every result shows it (its reasons left as a mark)."""
        marked = dataclasses.replace(block, because=(Markup(CUT),))
        before, after = self._render_outcome(ctx, outcome_id, marked, labels).split(CUT)
        self._outcomes[(ctx.locale, outcome_id)] = Kept(
            _outcome_texts(block, labels), before, after
        )

    def _official(
        self, request: Request, ctx: Context, state: Interview, official: Official
    ) -> Response:
        """The card and the answers in Russian, to hold up to an official; one line in
        the person's language says so, and Back returns to the result."""
        values = {
            "title": official.sheet.heading,
            "screen": official,
            "card_lines": card_texts(official.sheet.card),
            "hidden": hidden_fields(state),
            "back": "◀️ " + ctx._("Back"),
        }
        return self._page(request, "official.html", ctx, values)

    @staticmethod
    def privacy(ctx: Context) -> str:
        return ctx._(
            "This site keeps nothing about you: your answers travel only "
            "inside this page and are gone when you close it."
        )

    # ------------------------------------------------------------------ GET pages

    @staticmethod
    def locale_of(request: Request) -> str:
        locale = str(request.path_params.get("locale", ""))
        if locale not in BY_CODE:
            raise HTTPException(404)
        return locale

    async def languages(self, request: Request) -> Response:
        """``/``: the five languages, each named in itself with "choose" in itself.

        Links, not buttons: there are no answers yet, and a link works in any browser.
        """
        picker = language_picker(None)
        entries = [
            (choice.action.locale, choice.label, prompt)
            for choice, prompt in zip(picker.choices, picker.prompts, strict=True)
            if isinstance(choice.action, PickLanguage)
        ]
        return self._page(request, "languages.html", self.context("ru"), {"picker": entries})

    async def add_slash(self, request: Request) -> Response:
        """``/ru`` → ``ru/`` (a relative Location: right under any prefix)."""
        locale = self.locale_of(request)
        return RedirectResponse(f"{locale}/", status_code=308)

    async def start(self, request: Request) -> Response:
        """``/<locale>/``: what Hamroh does, what it keeps (nothing), the first question.

        The page holds no answers, so it is the same for everyone in that language on
        that day: it is made once and kept, rendered and compressed (a few pages; those
        of other days go, see :class:`SameForEveryone`).
        """
        page = self._start_page(request, self.locale_of(request), self.today())
        return page.response(request.scope)

    def _start_page(self, request: Request, locale: str, today: date) -> SharedPage:
        def make() -> SharedPage:
            ctx = self.context(locale, today)
            state = Interview(private=True)
            screens = list(interview.start(ctx, state).reply.screens)
            return SharedPage.of(self.draw(request, ctx, state, screens))

        key = (locale, root_of(request.scope["path"]))
        return self._start_pages.get(today, key, make)

    def prewarm(self) -> None:
        """Make today's parts of pages that are the same for everyone, all of them, now.

        Why at start rather than as pages are first shown: what is kept would otherwise
        say which languages, questions and outcomes were shown since the day began. So
        the first page of each language, every question's text and buttons (with "why
        we ask" shut and open), every outcome's sources, every contact and the language
        switcher are made here, each as a page would make it (a question's page is
        drawn whole: its frame and its body are kept). A part that shows
        something of a person is never kept (see :meth:`_question_body`); after the day
        changes the parts are made again as pages ask for them.
        """
        today = self.today()
        ruleset = self.ruleset
        reached = [
            state
            for question, _ in ruleset.plan.walk
            if (state := reaching(question.id, ruleset, today)) is not None
        ]
        self._keep_hidden_lines()
        for locale in LOCALES:
            ctx = self.context(locale, today)
            scope = {"type": "http", "method": "GET", "path": f"/{locale}/", "headers": []}
            self._start_page(Request(scope), locale, today)
            self._switcher(ctx)
            for contact_id in ruleset.contacts:
                self._contact(ctx, contact_text(ruleset, contact_id, locale))
            for outcome in ruleset.outcomes:
                sources = tuple(
                    (ruleset.sources[s].title, ruleset.sources[s].url) for s in outcome.sources
                )
                self._sources(ctx, outcome.id, sources)
            root = root_of(f"/{locale}/step")
            for with_deadlines in (False, True):
                actions = interview.result_choices(ctx, with_deadlines=with_deadlines)
                self._result_frames[(locale, root, actions)] = self._result_frame(
                    ctx, root, actions
                )
            self._keep_answer_items(ctx)
            every = interview.every_outcome(ctx)
            for text, block in zip(every.presentation.outcomes, every.outcomes, strict=True):
                self._keep_outcome(ctx, text.id, block, every.labels)
            step = Request({**scope, "method": "POST", "path": f"/{locale}/step"})
            for state in reached:
                for show_why in (False, True):
                    screen = interview.question_screen(ctx, state, show_why=show_why)
                    if screen is not None:  # the page as a tap draws it: frame and body
                        self._question(step, ctx, state, [screen], screen, [])

    def kept(self) -> dict[str, int]:
        """How many parts each table of parts that are the same for everyone holds."""
        return {
            "first pages": len(self._start_pages),
            "question bodies": len(self._question_bodies),
            "question frames": len(self._frames),
            "parts": len(self._parts),
            "result frames": len(self._result_frames),
            "outcomes": len(self._outcomes),
            "answer lines": len(self._answer_items),
            "hidden lines": len(self._hidden_lines),
        }

    # ------------------------------------------------------------------ POST

    async def _read_form(self, request: Request) -> list[tuple[str, str]]:
        """The fields of a urlencoded POST (the only kind our forms send).

        Parsed with the standard library's ``parse_qsl`` (strict UTF-8, at most
        ``MAX_FIELDS`` fields) from the body :func:`~bot.web.guard.read_body` has
        already cut to size: a third of the time of a multipart-capable parser, and
        no file uploads to think about.
        """
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip()
        if content_type.lower() != FORM_TYPE:
            raise BadForm
        try:
            text = (await request.body()).decode("utf-8")
            return parse_qsl(
                text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict"
            )
        except ValueError as error:  # not UTF-8, bad %-escapes, too many fields
            raise BadForm from error

    async def step(self, request: Request) -> Response:
        """One button press or typed answer; the answers come in and go out in the form."""
        ctx = self.context(self.locale_of(request))
        sub = decode(await self._read_form(request), ctx.ruleset, ctx.today)
        if sub.tampered:
            step = interview.stale(ctx, sub.state)
            return self.draw(request, ctx, step.state, list(step.reply.screens), step.reply.toast)
        action = sub.action
        if isinstance(action, PickLanguage):
            if action.locale not in BY_CODE:
                return self.draw(request, ctx, sub.state, _stale_screens(ctx, sub.state))
            ctx = ctx.in_locale(action.locale)  # the same place, every answer kept
            step = interview.current(ctx, sub.state, brief=False)
            return self.draw(request, ctx, sub.state, list(step.reply.screens))
        if action is None:
            return self._typed(request, ctx, sub)
        if not isinstance(action, InterviewAction):  # remind, forget, admin: not on the web
            step = interview.stale(ctx, sub.state)
            return self.draw(request, ctx, step.state, list(step.reply.screens), step.reply.toast)
        step = interview.act(ctx, sub.state, action)
        return self.draw(request, ctx, step.state, _shown(step.reply), step.reply.toast)

    def _typed(self, request: Request, ctx: Context, sub: Submission) -> Response:
        """A typed answer (``do=send`` or the Enter key) for the question the page showed."""
        # the question now (not its whole screen, whose progress line walks ahead)
        question = current_question(sub.state, ctx.ruleset, ctx.today)
        if sub.text is None or question is None or sub.shown != question.id:
            step = interview.stale(ctx, sub.state)
            return self.draw(request, ctx, step.state, list(step.reply.screens), step.reply.toast)
        step = interview.answer_typed(ctx, sub.state, sub.text)
        screens = list(step.reply.screens)
        shown = next((s for s in screens if isinstance(s, Question)), None)
        if shown is not None and shown.notice and shown.question_id == question.id:
            # not understood: the same question with the reason, and the text to fix
            return self._question(request, ctx, step.state, screens, shown, [], sub.text)
        return self.draw(request, ctx, step.state, screens)

    async def file(self, request: Request) -> Response:
        """ "Add to calendar" or "Timeline picture": the file, as a download.

        The export use case decides what the file holds (neutral titles unless the
        person pressed "Detailed titles"); nothing is kept. A stale form, or a result
        with nothing to export, gets its page with the notice instead.
        """
        ctx = self.context(self.locale_of(request))
        sub = decode(await self._read_form(request), ctx.ruleset, ctx.today)
        action = sub.action
        if sub.tampered or not isinstance(action, AddToCalendar | ShowTimeline):
            step = interview.stale(ctx, sub.state)
            return self.draw(request, ctx, step.state, list(step.reply.screens), step.reply.toast)
        step = exports.export(ctx, sub.state, action, made_at=self.now(), fonts=self.fonts())
        screens = list(step.reply.screens)
        attachment = next((s for s in screens if isinstance(s, Attachment)), None)
        if attachment is None:  # stale, no deadlines, or the picture's dates as text
            return self.draw(request, ctx, step.state, screens, step.reply.toast)
        media_type = attachment.media_type
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        return Response(
            attachment.content,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"'},
        )


def _why_text(ctx: Context, question: Question) -> str | None:
    """With JavaScript, "Why we ask this?" opens without a round trip: the page holds
    the ruleset's text, hidden, when the screen does not show it yet."""
    return question.why or ctx.ruleset.question(question.question_id).why.get(ctx.locale)


def _outcome_texts(block: OutcomeBlock, labels: ResultLabels) -> tuple[Any, ...]:
    """What an outcome's part is drawn from besides its reasons (``_outcome.html``)."""
    return (
        block.title,
        block.steps,
        block.scam_warning,
        block.uncertain,
        block.legal_basis,
        block.sources,
        labels.why,
        labels.what_to_do,
        labels.legal_basis,
    )


def _unique_targets(links: list[tuple[str, Choice]]) -> list[tuple[str, Choice]]:
    """One link per part of the page (why, steps and sources are all in the details)."""
    seen: set[str] = set()
    kept = []
    for target, choice in links:
        if target not in seen:
            seen.add(target)
            kept.append((target, choice))
    return kept


def _contacts(ctx: Context, state: Interview, result: Result) -> Contacts:
    """:func:`bot.app.interview.contacts_screen` for a result already judged.

    That use case judges the answers again to find the outcomes' contacts; the result's
    outcomes hold the same contacts (chosen for the person's citizenship), so they are
    taken from there, once each, under the use case's own heading.
    """
    seen: dict[str, ContactText] = {}
    for outcome in result.presentation.outcomes:
        for contact in outcome.contacts:
            seen.setdefault(contact.id, contact)
    if not seen:  # no outcome names one: the use case lists them all
        return interview.contacts_screen(ctx, state)
    _ = ctx._  # the use case's own heading and "none" line
    return Contacts(
        _("Where to get help"), tuple(seen.values()), _("I have no contacts for your case yet.")
    )


def _shown(reply: Any) -> list[Screen]:
    """What a reply puts on the page: its new content first, then its screens.

    An :class:`Answered` or :class:`LanguageChosen` record only restates the tap
    (Telegram leaves it in the chat); a web page has nothing to leave it on.
    """
    screens: list[Screen] = []
    if reply.replace is not None and not isinstance(reply.replace, Answered | LanguageChosen):
        screens.append(reply.replace)
    screens.extend(reply.screens)
    return screens


def _stale_screens(ctx: Context, state: Interview) -> list[Screen]:
    step = interview.stale(ctx, state)
    notice: list[Screen] = [Notice(step.reply.toast)] if step.reply.toast else []
    return [*notice, *step.reply.screens]


def system_now() -> datetime:
    """The real clock, aware UTC (the adapter is where the clock is read)."""
    return datetime.now(UTC)
