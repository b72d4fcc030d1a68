"""Admin work shared by Telegram (/broadcast, /stats) and the command line (``hamroh broadcast``).

Plain logic over storage and the send queue: parsing a send time, checking broadcast
HTML, previewing, starting and reporting broadcasts, formatting aggregate stats. The
Telegram adapter is :mod:`bot.telegram.admin`; the CLI adapter is :mod:`bot.admin.cli`.
"""
