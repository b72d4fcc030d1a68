"""`hamroh chat`: the interview in a terminal, scripted as a person would type."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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


def _terminal(rules_dir, *args: str, **options):
    """``hamroh chat`` as a terminal starts it: stdin decoded as UTF-8, strictly, as
    Python does under a ``ru_RU.UTF-8`` or ``en_US.UTF-8`` locale."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    command = [sys.executable, "-m", "bot.cli", "chat", "--rules", str(rules_dir), *args]
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        **options,
    )  # fmt: skip


def test_bytes_that_are_not_utf8_are_not_understood_and_the_chat_goes_on(rules_dir):
    """A paste from a terminal in another encoding (cp1251 «да») is one more answer the
    chat does not understand, not a traceback that ends it."""
    chat = _terminal(rules_dir, "--lang", "ru", "--as-of", "2025-06-01")
    out, err = chat.communicate(b"1\n" + "да\n".encode("cp1251") + b"1\n", timeout=60)
    text = out.decode()
    assert chat.returncode == 0, err.decode()
    assert b"Traceback" not in err and not err, err.decode()
    assert text.count("Вы сейчас в России?") == 2  # asked again after the bytes …
    assert "Я не понял." in text
    assert "реестр" in text  # … and the next answer moves on


def test_ctrl_c_ends_the_chat_without_a_traceback(rules_dir):
    import signal

    chat = _terminal(rules_dir, "--lang", "uz")
    assert chat.stdout is not None
    seen = b""
    while not seen.endswith(b"> "):  # input() flushes the prompt: the chat waits for a line
        chunk = chat.stdout.read1(4096)
        assert chunk, seen.decode()
        seen += chunk
    chat.send_signal(signal.SIGINT)
    rest, err = chat.communicate(timeout=60)
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, err.decode()
    assert chat.returncode == 130  # the shell's code for "stopped by Ctrl+C"
    assert rest == b"\n"  # the shell's prompt comes on a line of its own


def test_end_of_input_leaves_the_prompt_on_its_own_line(rules_dir):
    out: list[str] = []
    assert run_chat(str(rules_dir), d("2025-06-01"), "tg", typing(["1"]), out.append) == 0
    assert out[-1] == ""  # Ctrl+D after "> ": a line break, so the shell's prompt is not glued on


def test_the_chat_says_it_keeps_nothing_and_offers_no_command_it_lacks(rules_dir):
    """The bot's first message names the Telegram id it keeps and /forget; the terminal
    keeps nothing and has no /forget, and says so in the person's language."""
    from bot.i18n import gettext

    for locale in ("ru", "ky", "tg", "uz", "uz_Cyrl"):
        out: list[str] = []
        assert run_chat(str(rules_dir), d("2025-06-01"), locale, typing([]), out.append) == 0
        text = "\n".join(out)
        assert "Telegram" not in text and "/forget" not in text, text
        _ = gettext(locale)
        assert (
            _("Nothing is kept: your answers are only in this window and are gone when you quit.")
            in text
        )


def test_a_language_typed_by_name_or_code_is_chosen_and_anything_else_shows_the_list_again(
    rules_dir,
):
    """The picker once answered a typed word with a bare "> " and nothing else."""
    out: list[str] = []
    ask = typing(["English", "9", "oʻzbekcha"])
    assert run_chat(str(rules_dir), d("2025-06-01"), None, ask, out.append) == 0
    text = "\n".join(out)
    assert text.count("  [5] Русский") == 3  # shown at first, then after each of the two misses
    assert "Qaysi davlat fuqarosisiz?" in text  # the name as listed chose Uzbek (Latin)
    out = []
    assert run_chat(str(rules_dir), d("2025-06-01"), None, typing(["tg"]), out.append) == 0
    assert "Шумо шаҳрванди кадом кишвар ҳастед?" in "\n".join(out)


def test_text_typed_under_the_result_points_to_no_command_the_chat_lacks(rules_dir):
    """The bot's short result ends with "/status … /answers"; the terminal has neither
    (it answered them with the same short result again)."""
    out: list[str] = []
    ask = typing([*KYRGYZ_PATENT_WORKER, "салам", "/answers"])
    assert run_chat(str(rules_dir), d("2025-06-01"), "ky", ask, out.append) == 0
    after = "\n".join(out[next(i for i, line in enumerate(out) if "Кыязы, сиз Россияда" in line) :])
    assert "/status" not in after and "/answers" not in after
    assert after.count("Кыязы, сиз Россияда") == 3  # the card, then the short result twice


TAPPING = {
    "ru": ("нажм", "кнопк"),
    "ky": ("басыңыз", "басып", "баскыч"),
    "tg": ("пахш", "тугма"),
    "uz": ("bosing", "tugma"),
    "uz_Cyrl": ("босинг", "тугма"),
}
"""How each catalog tells a Telegram user to tap a button (and English, for a msgid
that slipped through untranslated)."""

TO_EVERY_SCREEN = [
    "1", "xyz", "1", "2", "10.01.2025", "2", "31.01.2025", "30.06.2025", "2",  # a result
    "1", "2", "3", "4", "8",  # Why?, All steps, Law and sources, Contacts, Show an officer
    "9", "1", "xyz",  # Change an answer: the list, then its first answer, not understood
]  # fmt: skip


@pytest.mark.parametrize("locale", sorted(TAPPING))
def test_the_terminal_says_type_the_number_where_the_bot_says_tap(rules_dir, locale: str):
    """A choice in the terminal is made by typing its number: "press a button"
    («Нажмите одну из кнопок», «Нажмите на ответ, чтобы изменить его») asked for
    something there is none of."""
    from bot.i18n import gettext

    chat = _terminal(rules_dir, "--lang", locale, "--as-of", "2025-06-01")
    out, err = chat.communicate("".join(f"{line}\n" for line in TO_EVERY_SCREEN).encode(), 60)
    text = out.decode().casefold()
    assert chat.returncode == 0 and not err, err.decode()
    for word in ("tap", "button", *TAPPING[locale]):
        assert word not in text, (word, text)
    _ = gettext(locale)
    typed = _("I did not understand. Please type the number of an answer.").casefold()
    assert text.count(typed) == 2  # at the first question and at the changed answer
    assert _("To change an answer, type its number. Your other answers stay.").casefold() in text
    assert _("Why this result").casefold() in text and _("Where to get help").casefold() in text
