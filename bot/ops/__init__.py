"""Operations: what running the bot for real needs besides answering people.

- :mod:`bot.ops.heartbeat` — the heartbeat file and ``hamroh health`` (Docker HEALTHCHECK);
- :mod:`bot.ops.retention` — deleting inactive users and old send-queue rows;
- :mod:`bot.ops.backup` — ``hamroh db backup PATH``;
- :mod:`bot.ops.logs` — JSON-lines logging that never writes what users wrote;
- :mod:`bot.ops.hooks` — starting and stopping the jobs with the application.

Nothing is imported here on purpose: ``hamroh health`` runs every minute in the
container and should load only the heartbeat module, not PTB.
"""
