"""The interview use cases, stateless: a person's whole walk through the real ruleset,
with the state carried between steps as a web form would carry it (strings only)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import interview
from bot.app.context import Context
from bot.app.screens import (
    AddToCalendar,
    Answer,
    AnswerList,
    Back,
    ChangeAnswer,
    Contacts,
    Explanation,
    ListAnswers,
    Question,
    RemindMe,
    Result,
    ShowDetail,
    ShowTimeline,
    WhyAsk,
    actions_of,
)
from bot.app.state import FormState
from bot.core.interview import Interview
from bot.i18n import load_catalogs

TODAY = date(2026, 12, 1)
PATENT_WORKER = {
    "citizenship": "UZ",
    "in_russia": "yes",
    "in_registry": "no",
    "entry_ban": "no",
    "entry_date": "10.11.2026",
    "days_in_russia_this_year": "0",
    "purpose": "work",
    "region": "other",
    "document": "patent",
    "patent_issue_date": "20.11.2026",
    "patent_paid_until": "19.12.2026",
}


@pytest.fixture
def ctx(shipped_ruleset):
    return Context(shipped_ruleset, TODAY, "ky", load_catalogs())


def _walk(ctx: Context, typed: dict[str, str]) -> tuple[FormState, Result]:
    """Answer every question (taps for options, typing otherwise) through a form state."""
    from bot.testing.answers import neutral_answer

    form = FormState()
    for _ in range(60):
        state = form.interview(ctx.ruleset, ctx.today)
        step = interview.current(ctx, state, brief=False)
        screen = step.reply.screens[-1]
        if isinstance(screen, Result):
            return form, screen
        assert isinstance(screen, Question)
        text = typed.get(screen.question_id) or neutral_answer(
            ctx.ruleset, ctx.ruleset.question(screen.question_id)
        )
        options = {c.action.value: c for c in screen.options if isinstance(c.action, Answer)}
        if text in options:
            step = interview.act(ctx, state, options[text].action)
        else:
            step = interview.answer_typed(ctx, state, text)
        assert step.changed, screen.question_id
        form = FormState.of(step.state)
        assert all(isinstance(v, str) for v in form.answers.values())
    raise AssertionError("the interview did not end")


def test_a_whole_interview_through_a_form_state_ends_in_a_result(ctx):
    form, result = _walk(ctx, PATENT_WORKER)
    assert result.presentation.locale == "ky"
    assert result.outcomes and result.labels.deadlines
    kinds = [type(choice.action) for choice in result.actions]
    assert kinds == [ShowDetail, ListAnswers, RemindMe, AddToCalendar, ShowTimeline, ShowDetail]
    assert form.answers["patent_paid_until"] == "2026-12-19"


def test_result_actions_lead_to_their_detail_screens(ctx):
    form, _result = _walk(ctx, PATENT_WORKER)
    state = form.interview(ctx.ruleset, ctx.today)
    why = interview.act(ctx, state, ShowDetail("why")).reply.screens
    assert isinstance(why[0], Explanation) and why[0].items
    contacts = interview.act(ctx, state, ShowDetail("contacts")).reply.screens
    assert isinstance(contacts[0], Contacts) and contacts[0].contacts
    listed = interview.act(ctx, state, ListAnswers()).reply.screens[0]
    assert isinstance(listed, AnswerList)
    change = next(i.change for i in listed.items if i.change.action == ChangeAnswer("region"))
    step = interview.act(ctx, state, change.action)
    assert step.changed and step.state.pending == "region"
    question = step.reply.screens[0]
    assert isinstance(question, Question) and question.question_id == "region"
    assert question.current_answer is not None
    assert any(c.selected for c in question.options)


def test_a_tap_that_does_not_fit_the_state_is_refused_as_stale(ctx):
    state = Interview()
    step = interview.act(ctx, state, Answer("region", "moscow"))  # not the first question
    assert step.reply.stale and not step.changed and step.state == state
    assert step.reply.toast
    assert isinstance(step.reply.screens[0], Question)
    before_result = interview.act(ctx, state, ShowDetail("why"))
    assert before_result.reply.stale


def test_back_and_why(ctx):
    first = interview.current(ctx, Interview()).reply.screens[0]
    assert isinstance(first, Question)
    assert [type(c.action) for c in first.navigation] == [WhyAsk]  # no Back on the first
    value = next(c.action for c in first.options)
    answered = interview.act(ctx, Interview(), value)
    second = answered.reply.screens[0]
    assert isinstance(second, Question) and Back() in [c.action for c in second.navigation]
    why = interview.act(ctx, answered.state, WhyAsk(second.question_id)).reply.replace
    assert isinstance(why, Question) and why.why
    back = interview.act(ctx, answered.state, Back())
    assert isinstance(back.reply.replace, Question)
    assert back.reply.replace.question_id == first.question_id


def test_typed_input_that_cannot_be_read_keeps_the_state_and_says_why(ctx):
    state = Interview()
    step = interview.answer_typed(ctx, state, "🙂🙂🙂")
    assert not step.changed and step.state == state
    screen = step.reply.screens[0]
    assert isinstance(screen, Question) and screen.notice


def test_a_tampered_form_cannot_smuggle_an_answer(ctx):
    form = FormState({"citizenship": "MARS", "nonsense": "x", "in_russia": "yes"}, "nonsense")
    state = form.interview(ctx.ruleset, ctx.today)
    assert dict(state.answers) == {"in_russia": "yes"} and state.pending is None


def test_every_screen_offers_only_channel_neutral_actions(ctx):
    _form, result = _walk(ctx, PATENT_WORKER)
    for choice in actions_of(result):
        assert choice.label and not choice.label.startswith("<")


def test_every_action_survives_its_text_form():
    from bot.app.screens import (
        AdminAction,
        Forget,
        PickLanguage,
        ReminderReply,
        Reminders,
        action_key,
        parse_action_key,
    )

    actions = [
        PickLanguage("uz_Cyrl"), Answer("citizenship", "UZ"), Back(), WhyAsk("region"),
        ListAnswers(), ChangeAnswer("region"), ShowDetail("sources"), RemindMe(),
        Reminders(True), Reminders(False), Forget(True), Forget(False),
        ReminderReply(7, "paid"), AdminAction(3, "text", "ky"),
    ]  # fmt: skip
    for action in actions:
        assert parse_action_key(action_key(action)) == action
    for junk in ("", "answer", "answer:x", "detail:everything", "reminder:x:paid", "forget:maybe"):
        assert parse_action_key(junk) is None


def test_the_privacy_page_writes_the_inactive_period_with_its_plural_noun():
    """«181 день», not «181 дней»: the count carries its own noun in every locale."""
    from bot.app.context import Context
    from bot.app.pages import privacy_page
    from bot.i18n import load_catalogs

    catalogs = load_catalogs()
    ctx = Context(None, None, "ru", catalogs)  # type: ignore[arg-type]  # the page reads neither
    texts = {
        n: " ".join(line for lines in privacy_page(ctx, n).paragraphs for line in lines)
        for n in (1, 3, 181)
    }
    assert "1 день," in texts[1] and "3 дня," in texts[3] and "181 день," in texts[181]
