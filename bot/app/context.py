"""What a use case needs to word a screen: the ruleset, the legal day and the language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.core.locales import normalize_locale
from bot.core.rules import Ruleset
from bot.i18n import Catalogs, Translator


@dataclass(frozen=True)
class Context:
    """One person's view at one moment: ``ruleset`` judged on ``today`` in ``locale``.

    ``today`` is the legal day (:func:`bot.core.locales.today_in_law`), passed in:
    nothing in the use cases reads the clock.
    """

    ruleset: Ruleset
    today: date
    locale: str
    catalogs: Catalogs
    choices_typed: bool = False
    """The channel picks a choice by typing its number (the terminal), not by tapping a
    button: the screens say "type the number" where the others say "tap"."""
    _: Translator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        locale = normalize_locale(self.locale)
        object.__setattr__(self, "locale", locale)
        object.__setattr__(self, "_", self.catalogs.gettext(locale))

    def in_locale(self, locale: str) -> Context:
        """The same view in another language."""
        return Context(self.ruleset, self.today, locale, self.catalogs, self.choices_typed)
