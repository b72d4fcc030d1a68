"""A macro drawn once and filled in (`bot.web.render.Drawn`) writes what calling it writes."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from markupsafe import Markup

from bot.web.pages import PersonParts
from bot.web.render import Drawn, environment, load_static

TEXTS = ["", None, "plain", "<b>&'\"</b>", Markup("<i>kept</i>"), date(2026, 6, 15), 12]


@pytest.fixture(scope="module")
def module() -> object:
    return environment(load_static()).get_template("_result_person.html").module


@pytest.mark.parametrize(
    ("name", "texts"),
    [("notice", 1), ("no_card", 4), ("deadline", 5), ("deadlines", 2), ("contacts", 3),
     ("answers", 4)],
)  # fmt: skip
def test_every_shape_of_every_macro_is_filled_as_the_macro_draws_it(
    module: object, name: str, texts: int
) -> None:
    macro = getattr(module, name)
    drawn = Drawn(macro, texts)
    for values in itertools.product(TEXTS, repeat=texts):
        assert drawn(*values) == str(macro(*values))


def test_a_question_pages_person_part() -> None:
    macro = environment(load_static()).get_template("_question_person.html").module.person  # type: ignore[attr-defined]
    drawn = Drawn(macro, 6)
    for values in itertools.product(TEXTS[:5], repeat=6):
        assert drawn(*values) == str(macro(*values))


def test_the_card_lines_of_every_kind() -> None:
    from starlette.templating import Jinja2Templates

    env = environment(load_static())
    parts = PersonParts(Jinja2Templates(env=env))
    macro = env.get_template("_card_lines.html").module.card_line  # type: ignore[attr-defined]
    for kind, drawn in parts.card_line.items():
        for text in TEXTS:
            assert drawn(text) == str(macro(kind, text))
