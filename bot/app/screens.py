"""What a person is shown, and what they can do next: typed screens and actions.

Why typed values, not HTML or Telegram objects: every channel (Telegram, the
terminal chat, the web page) draws the same screens. A screen holds every text
already in the person's language (catalog strings and rule texts), plain — no
markup, no escaping; the channel's renderer decides bold, icons, links, layout and
how long a message may be. The actions a screen offers are plain values too
(:data:`Action`); each channel encodes them its own way (Telegram callback data with
a state token, web form buttons, numbered choices in the terminal) and decodes them
back before calling a use case (:mod:`bot.app.interview`, :mod:`bot.app.person`).

Screens never carry answers in a form a channel must interpret: the interview
state travels separately (:class:`bot.app.state.FormState` for the stateless web).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.core.card import Card, OfficialSheet
from bot.core.rules.present import ContactText, DeadlineText, Presentation

# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class PickLanguage:
    """Choose the interface language (keeps the answers)."""

    locale: str


@dataclass(frozen=True)
class Answer:
    """Answer ``question`` with an option ``value`` (a tap)."""

    question: str
    value: str


@dataclass(frozen=True)
class Back:
    """Show the previous question (from the result: the last one)."""


@dataclass(frozen=True)
class WhyAsk:
    """Show why ``question`` is asked."""

    question: str


@dataclass(frozen=True)
class ListAnswers:
    """Show the answers that count, each one changeable."""


@dataclass(frozen=True)
class ChangeAnswer:
    """Ask ``question`` again; the other answers stay."""

    question: str


DetailSection = Literal["why", "steps", "sources", "contacts", "official"]
"""The parts of a result one tap away: why, every step, legal basis and sources, contacts,
and the summary to show an official (in Russian)."""


@dataclass(frozen=True)
class ShowDetail:
    """Show one detail section of the result."""

    section: DetailSection


@dataclass(frozen=True)
class RemindMe:
    """From a result: turn reminders on and plan them for its deadlines."""


@dataclass(frozen=True)
class AddToCalendar:
    """From a result: its deadlines as a calendar file for the phone.

    ``detailed`` names each deadline in the titles; the default is neutral words only
    (phones are looked through at the border). See :mod:`bot.app.exports`.
    """

    detailed: bool = False


@dataclass(frozen=True)
class ShowTimeline:
    """From a result: the timeline picture (entry, today, each deadline)."""


@dataclass(frozen=True)
class Reminders:
    """Turn deadline reminders on or off (the /reminders screen)."""

    on: bool


@dataclass(frozen=True)
class Forget:
    """Answer the "delete everything?" question."""

    confirmed: bool


ReminderReplyKind = Literal["paid", "done", "notyet"]


@dataclass(frozen=True)
class ReminderReply:
    """A button under a reminder: "I have paid", "Yes, done", "Not yet"."""

    reminder_id: int
    reply: ReminderReplyKind


@dataclass(frozen=True)
class AdminAction:
    """A button of the admin broadcast panel: ``action`` on campaign ``campaign`` with
    ``value`` (``"_"`` when there is none). See :mod:`bot.app.broadcast_wizard`."""

    campaign: int
    action: str
    value: str = "_"


InterviewAction = Answer | Back | WhyAsk | ListAnswers | ChangeAnswer | ShowDetail
"""Actions on the interview state alone: :func:`bot.app.interview.act` takes them."""

Action = (
    PickLanguage
    | InterviewAction
    | RemindMe
    | AddToCalendar
    | ShowTimeline
    | Reminders
    | Forget
    | ReminderReply
    | AdminAction
)


@dataclass(frozen=True)
class Choice:
    """One button: its text in the person's language and what it does.

    ``icon`` is a decoration a channel may show before the label (an emoji);
    ``selected`` marks the current value (the answer given, the language in use).
    """

    label: str
    action: Action
    icon: str = ""
    selected: bool = False


# --------------------------------------------------------------------------- screens


@dataclass(frozen=True)
class LanguagePicker:
    """Choose a language: the prompt in every language, one choice per language."""

    prompts: tuple[str, ...]
    """"Choose a language" in each language, in the order of the choices."""
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class LanguageChosen:
    """What the language picker turns into once a language is picked."""

    name: str


@dataclass(frozen=True)
class Intro:
    """The greeting: what Hamroh does and what it keeps."""

    greeting: str
    about: str
    privacy: str


TypedInput = Literal["date", "integer"]


@dataclass(frozen=True)
class Question:
    """One question of the interview, with its options and navigation."""

    question_id: str
    position: int
    total: int
    text: str
    current_answer: str | None
    """The answer given before, in words ("Your answer now: …"), or ``None``."""
    hint: str | None
    """How to type the answer (dates, numbers); ``None`` for buttons-only questions."""
    why: str | None
    """Why the question is asked, when the person asked (``WhyAsk``)."""
    notice: str | None
    """A warning shown first: input not understood, a stale button, a reminder's ask."""
    options: tuple[Choice, ...]
    """The answer options (``Answer``); empty for typed answers."""
    navigation: tuple[Choice, ...]
    """``Back`` and ``WhyAsk``, when they apply."""
    typed_input: TypedInput | None
    """The kind of typed answer the question takes, or ``None`` for options only."""
    progress: str = ""
    """"Question 3 of about 12", translated: ``position`` and ``total`` in words."""
    understood: str | None = None
    """The previous typed answer as understood («I wrote down the date: 9 January 2027»),
    shown first so a wrong guess (of a missing year, say) is seen at once."""


@dataclass(frozen=True)
class Answered:
    """What a question turns into once answered with a tap: the question and the answer."""

    text: str
    answer: str


@dataclass(frozen=True)
class OutcomeBlock:
    """One rule that fired, with the words to show around it."""

    title: str
    because: tuple[str, ...]
    steps: tuple[str, ...]
    scam_warning: str | None
    uncertain: str | None
    legal_basis: str
    sources: tuple[tuple[str, str], ...]
    """``(title, url)``."""


@dataclass(frozen=True)
class ResultLabels:
    """The headings a result is drawn with, in the person's language."""

    why: str
    """"Why:" before an outcome's reasons."""
    what_to_do: str
    legal_basis: str
    sources: str
    deadlines: str
    as_of: str
    """"Result as of <date>", filled in."""
    rules_checked: str
    """"Rules last checked: <date>", filled in."""
    brief_hint: str
    """Where the full result and the answers are (shown under a brief result)."""


@dataclass(frozen=True)
class Result:
    """The result of a finished interview.

    ``presentation`` is the whole assessment in words (:func:`bot.core.rules.present`);
    ``outcomes`` is what the result shows of each outcome; ``brief`` asks for the
    status lines only (a reminder of where the person is, not the whole result again).
    ``card`` is where the summary card of issue 12 goes (``bot.core.card``): when set,
    a channel shows it first and the rest one tap away (``ShowDetail``).
    """

    presentation: Presentation
    outcomes: tuple[OutcomeBlock, ...]
    labels: ResultLabels
    actions: tuple[Choice, ...]
    brief: bool = False
    card: Card | None = None

    @property
    def status(self) -> str:
        return self.presentation.status

    @property
    def has_deadlines(self) -> bool:
        return bool(self.presentation.deadlines)


@dataclass(frozen=True)
class WhyItem:
    """Why one outcome fired: its title, the reasons, the answers they read."""

    title: str
    because: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]
    """``(question label, answer in words)``."""


@dataclass(frozen=True)
class Explanation:
    """The "Why?" detail of a result."""

    title: str
    items: tuple[WhyItem, ...]
    answers_heading: str
    """"Your answers:" before each item's answers."""
    empty: str
    """What to say when no rule matched."""


@dataclass(frozen=True)
class Steps:
    """The "every step" detail: each outcome's next steps."""

    title: str
    outcomes: tuple[OutcomeBlock, ...]
    what_to_do: str
    deadlines: tuple[DeadlineText, ...] = ()
    """Every deadline with the notes the rules wrote for it."""
    deadlines_heading: str = ""
    scam_warning: str | None = None
    """Said once, after the steps, when the result involves paying for something
    (the outcome blocks here carry none of their own)."""


@dataclass(frozen=True)
class Official:
    """ "Show this to an official": the card and the answers in Russian, with one
    line in the person's own language saying what the screen is for."""

    sheet: OfficialSheet
    note: str


@dataclass(frozen=True)
class Sources:
    """The "legal basis and sources" detail of each outcome."""

    title: str
    outcomes: tuple[OutcomeBlock, ...]
    legal_basis: str
    sources: str
    disclaimer: str = ""
    """The whole disclaimer (the card has its first sentence)."""
    rules_checked: str = ""
    """"Rules last checked: <date>", filled in."""


@dataclass(frozen=True)
class Contacts:
    """Official places to check one's status and get help."""

    title: str
    contacts: tuple[ContactText, ...]
    empty: str
    """What to say when there are none."""


@dataclass(frozen=True)
class AnswerItem:
    label: str
    answer: str
    change: Choice


@dataclass(frozen=True)
class AnswerList:
    """The answers that count, each with a choice to change it."""

    title: str
    items: tuple[AnswerItem, ...]
    footer: str
    empty: str
    """Said instead when nothing is answered yet."""


@dataclass(frozen=True)
class PlannedReminder:
    day: str
    label: str | None


@dataclass(frozen=True)
class ReminderSettings:
    """Whether reminders are on, the reminders planned, and the switch."""

    on: bool
    status: str
    planned_heading: str | None
    planned: tuple[PlannedReminder, ...]
    none_planned: str | None
    toggle: Choice


@dataclass(frozen=True)
class ReminderDue:
    """A reminder of a deadline, worded when it is sent (or the day-after follow-up)."""

    title: str
    lines: tuple[str, ...]
    choices: tuple[Choice, ...]
    footer: str
    followup: bool


@dataclass(frozen=True)
class RulesChanged:
    """After a rules update: what changed for this person (sent through the queue)."""

    title: str
    lines: tuple[str, ...]
    footer: str


NoticeTone = Literal["info", "warning", "done", "deleted", "reminders", "waiting"]


@dataclass(frozen=True)
class Notice:
    """A short message: a confirmation, a warning, an acknowledgement."""

    text: str
    tone: NoticeTone = "info"


@dataclass(frozen=True)
class Confirm:
    """A question with yes/no choices (/forget)."""

    text: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class TextPage:
    """A fixed page (help, privacy): a title, then paragraphs of lines."""

    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    icon: str = ""


@dataclass(frozen=True)
class AdminPanel:
    """An admin's screen (English, like the CLI): lines and the panel's buttons, by row."""

    lines: tuple[str, ...]
    rows: tuple[tuple[Choice, ...], ...] = ()


@dataclass(frozen=True)
class RawPreview:
    """An admin broadcast text exactly as users will get it (already Telegram HTML)."""

    locale: str
    html: str


AttachmentKind = Literal["document", "photo"]


@dataclass(frozen=True)
class Attachment:
    """A file handed to the person: the calendar file (a document) or the timeline
    picture (a photo). ``caption`` goes with it (for the picture, its text alternative);
    ``choices`` are buttons under it (the other title mode of the calendar file)."""

    kind: AttachmentKind
    filename: str
    media_type: str
    content: bytes = field(repr=False)
    caption: str
    choices: tuple[Choice, ...] = ()


Screen = (
    LanguagePicker
    | LanguageChosen
    | Intro
    | Question
    | Answered
    | Result
    | Explanation
    | Steps
    | Official
    | Sources
    | Contacts
    | AnswerList
    | ReminderSettings
    | ReminderDue
    | RulesChanged
    | Notice
    | Confirm
    | TextPage
    | AdminPanel
    | RawPreview
    | Attachment
)


def actions_of(screen: Screen) -> tuple[Choice, ...]:
    """Every choice a screen offers, in reading order (the terminal numbers these)."""
    if isinstance(screen, LanguagePicker | Confirm | ReminderDue | Attachment):
        return screen.choices
    if isinstance(screen, Question):
        return (*screen.options, *screen.navigation)
    if isinstance(screen, Result):
        return screen.actions
    if isinstance(screen, AnswerList):
        return tuple(item.change for item in screen.items)
    if isinstance(screen, ReminderSettings):
        return (screen.toggle,)
    if isinstance(screen, AdminPanel):
        return tuple(choice for row in screen.rows for choice in row)
    return ()


@dataclass(frozen=True)
class Reply:
    """What a use case answers: screens to show, in order.

    ``replace`` is what the screen the person acted on should become (Telegram edits
    that message; other channels may show it first or ignore it): an
    :class:`Answered` or :class:`LanguageChosen` record is only a courtesy, any other
    screen must reach the person (sent anew if it cannot replace). ``toast`` is a short
    acknowledgement of the tap; ``stale`` says the action was refused because the
    screen it came from is out of date (its buttons should go); ``drop_actions`` that
    the acted-on screen's buttons no longer apply.
    """

    screens: tuple[Screen, ...] = ()
    replace: Screen | None = None
    toast: str | None = None
    stale: bool = False
    drop_actions: bool = False


# --------------------------------------------------------------------------- actions as text

_SECTIONS: tuple[DetailSection, ...] = ("why", "steps", "sources", "contacts", "official")
_REPLIES: tuple[ReminderReplyKind, ...] = ("paid", "done", "notyet")


def action_key(action: Action) -> str:
    """An action as one short string (``answer:citizenship:UZ``, ``back``, ``detail:why``),
    for channels that need a name for a button (a web form's ``<button value>``)."""
    if isinstance(action, PickLanguage):
        return f"language:{action.locale}"
    if isinstance(action, Answer):
        return f"answer:{action.question}:{action.value}"
    if isinstance(action, Back):
        return "back"
    if isinstance(action, WhyAsk):
        return f"why:{action.question}"
    if isinstance(action, ListAnswers):
        return "answers"
    if isinstance(action, ChangeAnswer):
        return f"change:{action.question}"
    if isinstance(action, ShowDetail):
        return f"detail:{action.section}"
    if isinstance(action, RemindMe):
        return "remind"
    if isinstance(action, AddToCalendar):
        return "calendar:detailed" if action.detailed else "calendar"
    if isinstance(action, ShowTimeline):
        return "timeline"
    if isinstance(action, Reminders):
        return "reminders:on" if action.on else "reminders:off"
    if isinstance(action, Forget):
        return "forget:yes" if action.confirmed else "forget:no"
    if isinstance(action, ReminderReply):
        return f"reminder:{action.reminder_id}:{action.reply}"
    return f"admin:{action.campaign}:{action.action}:{action.value}"


ID_DIGITS = 18
"""At most this many digits in a row id typed or carried in a button: any such number
fits a database integer (SQLite and PostgreSQL ``BIGINT`` end at 2**63 - 1)."""


def parse_id(text: str) -> int | None:
    """A row id (a reminder, a broadcast) written in ASCII digits, or ``None``.

    Not ``str.isdigit()``: it is true for «²» and «①», which ``int()`` cannot read; and a
    longer number than any row id would overflow the database's integer."""
    if text.isascii() and text.isdecimal() and len(text) <= ID_DIGITS:
        return int(text)
    return None


def parse_action_key(key: str) -> Action | None:
    """The action :func:`action_key` wrote, or ``None`` for anything else (never raises).

    Only the shape is checked; whether the action fits the state is the use case's job.
    """
    kind, _, rest = key.strip().partition(":")
    fields = rest.split(":") if rest else []
    simple: dict[str, Action] = {
        "back": Back(),
        "answers": ListAnswers(),
        "remind": RemindMe(),
        "calendar": AddToCalendar(),
        "timeline": ShowTimeline(),
    }
    if not fields:
        return simple.get(kind)
    if kind == "calendar" and fields == ["detailed"]:
        return AddToCalendar(detailed=True)
    if kind == "language" and len(fields) == 1:
        return PickLanguage(fields[0])
    if kind == "answer" and len(fields) == 2:
        return Answer(fields[0], fields[1])
    if kind == "why" and len(fields) == 1:
        return WhyAsk(fields[0])
    if kind == "change" and len(fields) == 1:
        return ChangeAnswer(fields[0])
    if kind == "detail" and len(fields) == 1:
        section = next((s for s in _SECTIONS if s == fields[0]), None)
        return ShowDetail(section) if section is not None else None
    if (
        kind in ("reminders", "forget")
        and len(fields) == 1
        and fields[0] in ("on", "off", "yes", "no")
    ):
        flag = fields[0] in ("on", "yes")
        return Reminders(flag) if kind == "reminders" else Forget(flag)
    row = parse_id(fields[0]) if kind in ("reminder", "admin") else None
    if kind == "reminder" and len(fields) == 2 and row is not None:
        reply = next((r for r in _REPLIES if r == fields[1]), None)
        return ReminderReply(row, reply) if reply is not None else None
    if kind == "admin" and len(fields) == 3 and row is not None:
        return AdminAction(row, fields[1], fields[2])
    return None
