"""The use cases every channel calls: they take plain values and return typed screens.

The middle ring of DESIGN.md. Nothing here knows Telegram, HTML, the web or SQL:

- :mod:`bot.app.screens` — the screens and the actions they offer (the contract with
  every channel);
- :mod:`bot.app.context` — what a use case needs to word a screen (ruleset, day, language);
- :mod:`bot.app.state` — the interview state as plain strings (storage rows, web forms);
- :mod:`bot.app.interview` — the interview as pure functions: (state, input) → (state, screens),
  usable statelessly (the web carries the state in its form);
- :mod:`bot.app.person` — the same with storage: a person's language, result, reminders,
  /forget (Telegram);
- :mod:`bot.app.pages` — fixed pages (help, privacy) and the /forget question;
- :mod:`bot.app.reminders`, :mod:`bot.app.rules_update`, :mod:`bot.app.broadcast_wizard` —
  planning reminders, re-judging users after a rules change, the admin broadcast wizard.
"""
