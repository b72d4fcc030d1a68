"""The interview as use cases: (state, input) → (new state, screens). Pure: no storage.

Why pure: the web channel keeps nothing on the server — the state travels in the
form (:class:`bot.app.state.FormState`) and each request is one of these functions.
Telegram wraps the same functions with a load before and a save after
(:mod:`bot.app.person`); the terminal chat keeps the state in a variable. So the
three channels cannot drift apart: a button does the same everywhere.

Every function gets a :class:`~bot.app.context.Context` (ruleset, legal day, language)
and returns a :class:`Step`. A step whose ``assessment`` is set showed a result:
a stateful caller stores its summary (and replans reminders when it is not brief).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from bot.core import interview as core
from bot.core.card import build_card, build_official_sheet
from bot.core.interview import Interview, current_question, offered_options, progress
from bot.core.locales import normalize_locale
from bot.core.rules import Assessment, Ruleset, evaluate, present
from bot.core.rules.engine import FiredOutcome
from bot.core.rules.model import Question as RuleQuestion
from bot.core.rules.present import (
    ContactText,
    Presentation,
    answer_label,
    contact_text,
    format_day,
    locale_texts,
    serves,
)
from bot.i18n import Catalogs, parse_error_message, question_hint, understood_message

from .context import Context
from .screens import (
    AddToCalendar,
    Answer,
    Answered,
    AnswerItem,
    AnswerList,
    Back,
    ChangeAnswer,
    Choice,
    Contacts,
    DetailSection,
    Explanation,
    InterviewAction,
    Intro,
    ListAnswers,
    Notice,
    Official,
    OutcomeBlock,
    Question,
    RemindMe,
    Reply,
    Result,
    ResultLabels,
    Screen,
    ShowDetail,
    ShowTimeline,
    Sources,
    Steps,
    TypedInput,
    WhyAsk,
    WhyItem,
)


@dataclass(frozen=True)
class Step:
    """The state after an input and what to show. ``changed``: the state must be saved."""

    state: Interview
    reply: Reply
    changed: bool = False
    assessment: Assessment | None = None
    """Set when ``reply`` shows a result (brief or full) judged on these answers."""
    full_result: bool = False
    """The result was shown in full (a stateful caller replans reminders then)."""


def stale_notice(ctx: Context) -> str:
    return ctx._("This button is out of date. Here is where you are now.")


# --------------------------------------------------------------------------- screens


def intro(ctx: Context) -> Intro:
    """Two lines on what the bot does, one on what it stores."""
    _ = ctx._
    return Intro(
        greeting=_("Hello! I am Hamroh."),
        about=_(
            "I will ask a few short questions and tell you your likely status "
            "in Russia, what to do and by when."
        ),
        privacy=_(
            "I keep only your Telegram id, your language and your answers. "
            "Delete everything: /forget"
        ),
    )


def question_screen(
    ctx: Context, state: Interview, *, notice: str | None = None, show_why: bool = False
) -> Question | None:
    """The current question (``None`` when the interview is complete)."""
    ruleset, locale, _ = ctx.ruleset, ctx.locale, ctx._
    item = current_question(state, ruleset, ctx.today)
    if item is None:
        return None
    position, total = progress(state, ruleset, ctx.today)
    current_value = state.answers.get(item.id)
    options = tuple(
        Choice(
            ruleset.option_label(item, value).get(locale),
            Answer(item.id, value),
            selected=value == current_value,
        )
        for value in offered_options(
            item, state.answers, ruleset, ctx.today, counted=state.counted(ruleset, ctx.today)
        )
    )
    navigation: list[Choice] = []
    if position > 1:
        navigation.append(Choice(_("Back"), Back(), icon="◀️"))
    if not show_why:
        navigation.append(Choice(_("Why we ask this?"), WhyAsk(item.id), icon="❔"))
    return Question(
        question_id=item.id,
        position=position,
        total=total,
        text=item.text.get(locale),
        current_answer=(
            _("Your answer now: {answer}").format(
                answer=answer_label(ruleset, item.id, current_value, locale)
            )
            if current_value is not None
            else None
        ),
        hint=question_hint(item, locale, ctx.catalogs),
        why=item.why.get(locale) if show_why else None,
        notice=notice,
        options=options,
        navigation=tuple(navigation),
        typed_input=_typed_input(item),
        progress=_("Question {position} of about {total}").format(position=position, total=total),
    )


def _typed_input(item: RuleQuestion) -> TypedInput | None:
    if item.type == "date":
        return "date"
    if item.type == "integer":
        return "integer"
    return None


def answered_screen(ctx: Context, question_id: str, value: object) -> Answered:
    item = ctx.ruleset.question(question_id)
    return Answered(
        item.text.get(ctx.locale), answer_label(ctx.ruleset, question_id, value, ctx.locale)
    )


def assess(ctx: Context, state: Interview) -> tuple[Assessment, Presentation]:
    """Judge the answers on ``ctx.today`` and word the assessment in ``ctx.locale``.

    The answers that count come from the state's own walk (which found the question
    now, or that there is none), so the engine does not walk the questions again.
    """
    counted = state.counted(ctx.ruleset, ctx.today)
    assessment = evaluate(state.answers, ctx.today, ctx.ruleset, counted=counted)
    return assessment, present(assessment, ctx.ruleset, ctx.locale)


def outcome_blocks(shown: Presentation) -> tuple[OutcomeBlock, ...]:
    return tuple(
        OutcomeBlock(
            title=outcome.title,
            because=shown.because(outcome.id),
            steps=outcome.steps,
            scam_warning=outcome.scam_warning,
            uncertain=outcome.uncertain,
            legal_basis=outcome.legal_basis,
            sources=tuple((s.title, s.url) for s in outcome.sources),
        )
        for outcome in shown.outcomes
    )


def result_actions(ctx: Context, shown: Presentation) -> tuple[Choice, ...]:
    """The details of a result one tap away, then what the person can do with it:
    Why?, Every step, Law and sources, Contacts, then (only with deadlines) Remind me,
    Add to calendar and Timeline picture (see :mod:`bot.app.exports`), then Show to an
    official and Change an answer — in this order."""
    return result_choices(ctx, with_deadlines=bool(shown.deadlines))


def result_choices(ctx: Context, *, with_deadlines: bool) -> tuple[Choice, ...]:
    """:func:`result_actions` of any result with (or without) deadlines: they are the
    same for everyone, so a channel may prepare what it draws of them."""
    return _result_choices(ctx.catalogs, ctx.locale, with_deadlines)


@lru_cache(maxsize=64)
def _result_choices(catalogs: Catalogs, locale: str, with_deadlines: bool) -> tuple[Choice, ...]:
    """`result_choices`, made once per language (a translator's words and the buttons
    are the same for every result)."""
    _ = catalogs.gettext(locale)
    actions = [
        Choice(_("Why?"), ShowDetail("why"), icon="❔"),
        Choice(_("Every step"), ShowDetail("steps"), icon="📋"),
        Choice(_("Law and sources"), ShowDetail("sources"), icon="⚖️"),
        Choice(_("Contacts"), ShowDetail("contacts"), icon="📞"),
    ]
    if with_deadlines:
        actions.append(Choice(_("Remind me"), RemindMe(), icon="🔔"))
        actions.append(Choice(_("Add to calendar"), AddToCalendar(), icon="📅"))
        actions.append(Choice(_("Timeline picture"), ShowTimeline(), icon="🖼"))
    actions.append(Choice(_("Show to an official"), ShowDetail("official"), icon="🪪"))
    actions.append(Choice(_("Change an answer"), ListAnswers(), icon="✏️"))
    return tuple(actions)


def result_screen(
    ctx: Context,
    shown: Presentation,
    *,
    brief: bool = False,
    assessment: Assessment | None = None,
) -> Result:
    """The result of a finished interview (``brief``: the status lines only).

    With the ``assessment`` a full result carries its card (:mod:`bot.core.card`):
    this is the one place a result gets one, so every channel shows the same card.
    """
    return Result(
        presentation=shown,
        outcomes=outcome_blocks(shown),
        labels=_result_labels(ctx.catalogs, ctx.locale, shown.as_of, shown.content_reviewed),
        actions=result_actions(ctx, shown),
        brief=brief,
        card=(
            build_card(assessment, ctx.ruleset, ctx.locale, ctx._, shown)
            if assessment is not None and not brief
            else None
        ),
    )


@lru_cache(maxsize=64)
def _result_labels(catalogs: Catalogs, locale: str, as_of: str, reviewed: str) -> ResultLabels:
    """A result's headings in ``locale`` for the day it was judged (ISO ``as_of``) and the
    day the rules were checked: the same for every result of that day, so made once."""
    _ = catalogs.gettext(locale)
    return ResultLabels(
        why=_("Why:"),
        what_to_do=_("What to do:"),
        legal_basis=_("Legal basis:"),
        sources=_("Sources:"),
        deadlines=_("Deadlines"),
        as_of=_("Result as of {date}").format(date=format_day(date.fromisoformat(as_of), locale)),
        rules_checked=_("Rules last checked: {date}").format(
            date=format_day(date.fromisoformat(reviewed), locale)
        ),
        brief_hint=_("Your full result: /status. To change an answer: /answers"),
    )


def every_outcome(ctx: Context) -> Result:
    """A result in which every outcome of the ruleset fired, on no answers.

    Its outcomes show their texts as every result shows them wherever a text reads
    no answer (a placeholder reads none here: it shows "—"), so a channel can prepare
    from it what is the same for everyone before anyone comes (the web, at start).
    """
    ruleset = ctx.ruleset
    fired = tuple(
        FiredOutcome(plan.outcome, plan.reasons, plan.questions_read)
        for plan in ruleset.plan.outcomes
    )
    assessment = Assessment(
        status="unclear",
        outcomes=fired,
        deadlines=(),
        as_of=ctx.today,
        ruleset_version=ruleset.version,
        ruleset_fingerprint=ruleset.fingerprint,
        answers={},
        values={},
    )
    return result_screen(ctx, present(assessment, ruleset, ctx.locale))


def explanation_screen(ctx: Context, shown: Presentation) -> Explanation:
    """Why: for each outcome, the conditions that held and the answers they read."""
    _ = ctx._
    titles = {o.id: o.title for o in shown.outcomes}
    return Explanation(
        title=_("Why this result"),
        items=tuple(
            WhyItem(
                titles.get(item.outcome, ""),
                item.because,
                tuple((a.label, a.answer) for a in item.answers),
            )
            for item in shown.explanation
        ),
        answers_heading=_("Your answers:"),
        empty=_("No rule matched your answers."),
    )


def steps_screen(ctx: Context, shown: Presentation) -> Steps:
    """Every step of every outcome, every deadline with its notes, and the scam
    warning once at the end when any outcome involves money (not once per outcome)."""
    _ = ctx._
    blocks = outcome_blocks(shown)
    warning = next((b.scam_warning for b in blocks if b.scam_warning), None)
    return Steps(
        _("What to do:"),
        tuple(replace(b, scam_warning=None) for b in blocks),
        _("What to do:"),
        deadlines=shown.deadlines,
        deadlines_heading=_("Deadlines"),
        scam_warning=warning,
    )


def official_screen(ctx: Context, assessment: Assessment) -> Official:
    """The card and the answers in Russian, to show an official."""
    russian = ctx.in_locale("ru")
    return Official(
        build_official_sheet(assessment, ctx.ruleset, russian._),
        ctx._("Show this screen to an official: it is in Russian."),
    )


def sources_screen(ctx: Context, shown: Presentation) -> Sources:
    """The law and the sources of every outcome, the whole disclaimer and the day the
    rules were last checked against the law."""
    _ = ctx._
    reviewed = format_day(date.fromisoformat(shown.content_reviewed), ctx.locale)
    return Sources(
        _("Legal basis:"),
        outcome_blocks(shown),
        _("Legal basis:"),
        _("Sources:"),
        disclaimer=shown.disclaimer,
        rules_checked=_("Rules last checked: {date}").format(date=reviewed),
    )


def contacts_for(ctx: Context, state: Interview) -> tuple[ContactText, ...]:
    """Contacts of the outcomes that fired (all, before a result), for the citizenship.

    One meant for some citizenships only (an embassy) is left out when the person
    gave another citizenship, and kept when it is unknown.
    """
    ruleset = ctx.ruleset
    ids: list[str] = []
    if state.answers and current_question(state, ruleset, ctx.today) is None:
        for fired in evaluate(state.answers, ctx.today, ruleset).outcomes:
            ids += [c for c in fired.outcome.contacts if c not in ids]
    if not ids:
        ids = list(ruleset.contacts)
    citizenship = state.answers.get("citizenship")
    return tuple(
        contact_text(ruleset, contact_id, ctx.locale)
        for contact_id in ids
        if contact_id in ruleset.contacts
        and serves(ruleset.contacts[contact_id].for_citizenship, citizenship)
    )


def contacts_screen(ctx: Context, state: Interview) -> Contacts:
    """Official places to check one's status and get help."""
    _ = ctx._
    return Contacts(
        _("Where to get help"), contacts_for(ctx, state), _("I have no contacts for your case yet.")
    )


def answers_screen(ctx: Context, state: Interview) -> AnswerList:
    """The answers that count, each with a choice to change it."""
    ruleset, locale, _ = ctx.ruleset, ctx.locale, ctx._
    answers = state.answers
    counted = state.counted(ruleset, ctx.today)  # these answers, read already (dates as dates)
    labels = locale_texts(ruleset, locale).question_labels
    changes = _change_choices(ruleset, locale)
    return AnswerList(
        title=_("Your answers"),
        items=tuple(
            AnswerItem(
                label=labels[item.id],
                answer=answer_label(ruleset, item.id, counted[item.id], locale),
                change=changes[item.id],
            )
            for item in state.asked(ruleset, ctx.today)
            if item.id in answers
        ),
        footer=(
            _("To change an answer, type its number. Your other answers stay.")
            if ctx.choices_typed
            else _("Tap an answer to change it. Your other answers stay.")
        ),
        empty=_("You have not answered any questions yet."),
    )


def _change_choices(ruleset: Ruleset, locale: str) -> dict[str, Choice]:
    """Each question's "change this answer" button in ``locale``: the same for everyone,
    so made once per ruleset and locale, not for each of the 15-20 answers of a list."""

    def make() -> dict[str, Choice]:
        labels = locale_texts(ruleset, locale).question_labels
        return {
            question.id: Choice(labels[question.id], ChangeAnswer(question.id), icon="✏️")
            for question in ruleset.questions
        }

    return ruleset.prepared(("change choices", normalize_locale(locale)), make)


# --------------------------------------------------------------------------- where you are


def current(
    ctx: Context, state: Interview, *, notice: str | None = None, brief: bool = True
) -> Step:
    """Where the person is: the current question, or the result when all is answered.

    ``brief`` shows a finished interview as its status lines with the result's
    actions instead of the whole result again (for stale buttons and stray input).
    """
    question = question_screen(ctx, state, notice=notice)
    if question is not None:
        return Step(state, Reply((question,)))
    assessment, shown = assess(ctx, state)
    screens: list[Screen] = [Notice(notice, "warning")] if notice else []
    screens.append(result_screen(ctx, shown, brief=brief, assessment=assessment))
    return Step(state, Reply(tuple(screens)), assessment=assessment, full_result=not brief)


def next_step(ctx: Context, state: Interview, *, changed: bool = True) -> Step:
    """After an answer: the next question, or the whole result when all is answered."""
    step = current(ctx, state, brief=False)
    return Step(state, step.reply, changed, step.assessment, step.full_result)


def start(ctx: Context, state: Interview) -> Step:
    """The greeting, then where the person is (the first question for a newcomer)."""
    step = current(ctx, state)
    return _prepend(step, intro(ctx))


def result(ctx: Context, state: Interview) -> Step:
    """/status: the answers judged again today (deadlines move, laws change).

    Not everything answered: the next question with a notice. A change left half-way
    (a pending question) is dropped: the stored answers stand.
    """
    if core.next_question(state.answers, ctx.ruleset, ctx.today) is not None:
        return current(ctx, state, notice=ctx._("You have not answered all questions yet."))
    changed = state.pending is not None
    if changed:
        state = replace(state, pending=None)
    return next_step(ctx, state, changed=changed)


def _prepend(step: Step, *screens: Screen) -> Step:
    reply = Reply((*screens, *step.reply.screens), step.reply.replace, step.reply.toast)
    return Step(step.state, reply, step.changed, step.assessment, step.full_result)


def stale(ctx: Context, state: Interview) -> Step:
    """A button from a screen that is out of date: say so and show where the person is."""
    step = current(ctx, state)
    reply = Reply(step.reply.screens, toast=stale_notice(ctx), stale=True)
    return Step(state, reply, False, step.assessment, step.full_result)


# --------------------------------------------------------------------------- input


def answer_typed(ctx: Context, state: Interview, text: str) -> Step:
    """Typed text for the current question: parsed by the core; on error the reason,
    and the same question again. With nothing to answer: where the person is."""
    if current_question(state, ctx.ruleset, ctx.today) is None:
        return current(ctx, state)
    typed = core.take_text(state, text, ctx.ruleset, ctx.today)
    if typed.error is not None:
        notice = parse_error_message(
            typed.error, ctx.locale, ctx.catalogs, choices_typed=ctx.choices_typed
        )
        return current(ctx, state, notice=notice)
    step = next_step(ctx, typed.state)
    day = _typed_date(typed)
    if day is None:
        return step
    said = understood_message(day, ctx.locale, ctx.catalogs)
    first, *rest = step.reply.screens or (None,)
    if isinstance(first, Question):
        screens: tuple[Screen, ...] = (replace(first, understood=said), *rest)
    else:
        screens = (Notice(said, "done"), *step.reply.screens)
    reply = Reply(screens, step.reply.replace, step.reply.toast)
    return Step(step.state, reply, step.changed, step.assessment, step.full_result)


def _typed_date(typed: core.Typed) -> date | None:
    """The date a typed answer was understood as, if the answer was a date."""
    if typed.went_back or typed.question is None or typed.question.type != "date":
        return None
    if isinstance(typed.value, date):
        return typed.value
    try:
        return date.fromisoformat(str(typed.value))
    except ValueError:
        return None


def act(ctx: Context, state: Interview, action: InterviewAction) -> Step:
    """One tap on an interview screen. A tap that does not fit the state (a question
    already answered, a result action before the result) is refused as stale."""
    if isinstance(action, Answer):
        return _answer(ctx, state, action)
    if isinstance(action, Back):
        return _back(ctx, state)
    if isinstance(action, WhyAsk):
        return _why(ctx, state, action.question)
    if isinstance(action, ChangeAnswer):
        return _change(ctx, state, action.question)
    if isinstance(action, ListAnswers):
        if not _complete(ctx, state):
            return stale(ctx, state)
        return Step(state, Reply((answers_screen(ctx, state),)))
    return detail(ctx, state, action.section)


def _complete(ctx: Context, state: Interview) -> bool:
    return current_question(state, ctx.ruleset, ctx.today) is None


def _answer(ctx: Context, state: Interview, action: Answer) -> Step:
    item = current_question(state, ctx.ruleset, ctx.today)
    if item is None or item.id != action.question:
        return stale(ctx, state)
    counted = state.counted(ctx.ruleset, ctx.today)
    if action.value not in offered_options(
        item, state.answers, ctx.ruleset, ctx.today, counted=counted
    ):
        return stale(ctx, state)
    new_state = core.give_answer(state, action.question, action.value)
    step = next_step(ctx, new_state)
    reply = Reply(step.reply.screens, replace=answered_screen(ctx, item.id, action.value))
    return Step(new_state, reply, True, step.assessment, step.full_result)


def _back(ctx: Context, state: Interview) -> Step:
    new_state = core.back(state, ctx.ruleset, ctx.today)
    question = question_screen(ctx, new_state)
    if question is None:
        step = current(ctx, new_state)
        return Step(new_state, step.reply, True, step.assessment, step.full_result)
    return Step(new_state, Reply(replace=question), True)


def _why(ctx: Context, state: Interview, question_id: str) -> Step:
    item = current_question(state, ctx.ruleset, ctx.today)
    if item is None or item.id != question_id:
        return stale(ctx, state)
    return Step(state, Reply(replace=question_screen(ctx, state, show_why=True)))


def _change(ctx: Context, state: Interview, question_id: str) -> Step:
    """Ask one answered question again; answering it re-evaluates at once."""
    if question_id not in {q.id for q in state.asked(ctx.ruleset, ctx.today)}:
        return stale(ctx, state)
    new_state = core.change(state, question_id, ctx.ruleset, ctx.today)
    step = current(ctx, new_state)
    reply = Reply(step.reply.screens, drop_actions=True)
    return Step(new_state, reply, True, step.assessment, step.full_result)


def detail(ctx: Context, state: Interview, section: DetailSection) -> Step:
    """One detail section of the result: why, every step, legal basis and sources, contacts."""
    if not _complete(ctx, state):
        return stale(ctx, state)
    if section == "contacts":
        return Step(state, Reply((contacts_screen(ctx, state),)))
    assessment, shown = assess(ctx, state)
    screen: Screen
    if section == "official":
        screen = official_screen(ctx, assessment)
    elif section == "why":
        screen = explanation_screen(ctx, shown)
    elif section == "steps":
        screen = steps_screen(ctx, shown)
    else:
        screen = sources_screen(ctx, shown)
    return Step(state, Reply((screen,)))
