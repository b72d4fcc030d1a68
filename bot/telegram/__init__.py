"""The Telegram adapter: handlers, rendering, keyboards, per-chat processing, run loop.

Entry points: :func:`bot.telegram.app.build_application` and :func:`bot.telegram.app.run`.
"""
