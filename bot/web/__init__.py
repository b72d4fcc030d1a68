"""The web channel (`hamroh web`): the interview and the result as plain HTML forms.

For people who cannot reach Telegram (blocked in Russia since April 2026). Stateless
and private: the answers travel in the POST bodies of the forms, re-checked by the
core on every request; nothing is stored, no cookie is set, nothing is requested from
any other site. See :mod:`bot.web.server` for the layers and :mod:`bot.web.form` for
the form fields.
"""
