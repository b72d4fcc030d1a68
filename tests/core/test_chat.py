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
    assert "Патент жарактуу" in text  # the fixture outcome, in Kyrgyz
    assert "Мөөнөттөр" in text or "📅" in text
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
