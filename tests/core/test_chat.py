"""`hamroh chat`: the interview in a terminal, scripted as a person would type."""

from __future__ import annotations

from collections.abc import Iterator

from bot.chat import run_chat

from .conftest import d


def typing(lines: list[str]):
    """An `input()` stand-in that types `lines`, then ends input like Ctrl+D."""
    feed: Iterator[str] = iter(lines)

    def ask(_prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return ask


def test_a_whole_interview_in_kyrgyz(rules_dir):
    ask = typing(
        [
            "1",  # Кыргызча
            "Өзбекстан",  # citizenship, typed
            "ооба",  # in Russia
            "Текшердим, мен жокмун",  # registry
            "10.01.2025",  # entry date
            "иш",  # purpose
            "Башка аймак",  # region
            "Патент",  # document
            "31.01.2025",  # patent issue date
            "30 июн 2025",  # paid until
            "2",  # registration: "no" is the 2nd button
        ]
    )
    out: list[str] = []
    assert run_chat(str(rules_dir), d("2025-06-01"), None, ask, out.append) == 0
    text = "\n".join(out)
    assert "Кайсы өлкөнүн жаранысыз?" in text
    assert "✅ Кыязы, сиз Россияда мыйзамдуу жүрөсүз" in text  # the card's status, in Kyrgyz
    assert "Биринчи кезекте эмне кылуу керек" in text  # its actions, with dates
    assert "2025" in text


def test_bad_input_is_explained_and_the_question_asked_again(rules_dir):
    out: list[str] = []
    ask = typing(["UZ", "yes", "no", "31.02.2025"])
    assert run_chat(str(rules_dir), d("2025-06-01"), "ru", ask, out.append) == 0
    text = "\n".join(out)
    assert "31.02.2025" in text  # the reason names the impossible date
    assert text.count("Когда вы последний раз въехали в Россию?") == 2


def test_back_and_why_buttons(rules_dir):
    out: list[str] = []
    ask = typing(["1", "3"])  # Uzbekistan, then the 3rd button of the next question
    run_chat(str(rules_dir), d("2025-06-01"), "uz", ask, out.append)
    text = "\n".join(out)
    assert "Qaysi davlat fuqarosisiz?" in text
    assert "Hozir Rossiyadamisiz?" in text
    # in_russia has Ha / Yoʻq, then Back (3) and Why (4): Back shows citizenship again.
    assert text.count("Qaysi davlat fuqarosisiz?") == 2


KYRGYZ_PATENT_WORKER = [
    "Өзбекстан", "ооба", "Текшердим, мен жокмун", "10.01.2025", "иш", "Башка аймак",
    "Патент", "31.01.2025", "30 июн 2025", "2",
]  # fmt: skip


def _bot_result_buttons(rules_dir) -> list[str]:
    """The labels of the bot's buttons under the same result, in reading order."""
    from bot.app import interview
    from bot.app.context import Context
    from bot.app.screens import Question
    from bot.core.interview import Interview
    from bot.core.rules import load_ruleset
    from bot.i18n import load_catalogs
    from bot.telegram import render

    ctx = Context(load_ruleset(rules_dir), d("2025-06-01"), "ky", load_catalogs())
    step = interview.current(ctx, Interview())
    for text in KYRGYZ_PATENT_WORKER:
        screen = step.reply.screens[-1]
        if isinstance(screen, Question) and screen.options and text.isdigit():
            step = interview.act(ctx, step.state, screen.options[int(text) - 1].action)
        else:
            step = interview.answer_typed(ctx, step.state, text)
    keyboard = render.draw(step.reply.screens[-1], "tok")[-1].keyboard
    assert keyboard is not None
    return [button["text"] for row in keyboard["inline_keyboard"] for button in row]


def test_the_result_buttons_are_the_bots_and_each_number_does_what_it_says(rules_dir):
    """The chat once dropped "Remind me" but kept its number: [4] did nothing and
    [3] showed the contacts. Now it numbers exactly the bot's buttons."""
    from bot.i18n import gettext

    _ = gettext("ky")
    bot_buttons = _bot_result_buttons(rules_dir)
    assert bot_buttons[3:7] == [  # it has deadlines
        "📞 " + _("Contacts"),
        "🔔 " + _("Remind me"),
        "📅 " + _("Add to calendar"),
        "🖼 " + _("Timeline picture"),
    ]
    out: list[str] = []
    ask = typing([*KYRGYZ_PATENT_WORKER, "1", "4", "5", "1"])
    assert run_chat(str(rules_dir), d("2025-06-01"), "ky", ask, out.append) == 0
    result_at = next(i for i, line in enumerate(out) if "Кыязы, сиз Россияда" in line)
    numbered = [line for line in out[result_at:] if line.startswith("  [")][: len(bot_buttons)]
    assert numbered == [f"  [{n}] {label}" for n, label in enumerate(bot_buttons, 1)]
    after = "\n".join(out[result_at + len(bot_buttons) + 1 :])
    why_at = after.index(_("Why this result"))  # [1] is Why?
    contacts_at = after.index(_("Where to get help"))  # then [4] is Contacts
    reminders_at = after.index(_("Reminders are on."))  # [5] is Remind me
    stopped_at = after.index(_("Reminders are off."))  # [1] of its screen: Stop reminders
    assert why_at < contacts_at < reminders_at < stopped_at


def test_add_to_calendar_and_the_picture_are_saved_as_files(rules_dir, tmp_path):
    from icalendar import Calendar
    from PIL import Image

    from bot.i18n import gettext

    _ = gettext("ky")
    out: list[str] = []
    ask = typing([*KYRGYZ_PATENT_WORKER, "7", "6", "1"])  # picture, calendar, detailed titles
    assert run_chat(str(rules_dir), d("2025-06-01"), "ky", ask, out.append, tmp_path) == 0
    text = "\n".join(out)
    ics, png = tmp_path / "calendar.ics", tmp_path / "timeline.png"
    assert _("Saved to {path}").format(path=ics) in text
    assert _("Saved to {path}").format(path=png) in text
    assert "📝 " + _("Detailed titles") in text and "🔒 " + _("Neutral titles") in text
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert events and not any(str(e.get("SUMMARY")).startswith("Мөөнөт:") for e in events)
    assert Image.open(png).size[0] == 1080


def test_a_file_that_cannot_be_saved_is_one_line_not_a_crash(rules_dir, tmp_path):
    from bot.i18n import gettext

    out: list[str] = []
    missing = tmp_path / "no" / "such" / "folder"
    ask = typing([*KYRGYZ_PATENT_WORKER, "6"])  # Add to calendar
    assert run_chat(str(rules_dir), d("2025-06-01"), "ky", ask, out.append, missing) == 0
    reason = gettext("ky")("Could not save {path}: {reason}")
    expected = reason.format(path=missing / "calendar.ics", reason="No such file or directory")
    assert any(line.endswith(expected) for line in out)
