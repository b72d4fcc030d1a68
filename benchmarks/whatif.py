"""Experiments: the changes BENCHMARKS.md proposes, applied by patching at run time.

Not shipped code. Each function here patches one module in the benchmark process so
the effect of a proposed change can be measured against the shipped code in the same
run (``--what-if NAME`` on the benchmark scripts). The real change belongs in the
module named, with its tests; these patches only show what it would buy.

* ``walk-cache``   — bot/telegram: compute the question walk once per update, not ~3.7x
* ``raw-send``     — bot/delivery/sender.py: send without building a PTB ``Message``
* ``window-budget``— bot/delivery/budget.py: bulk slots on a fixed grid plus a 1 s window
* ``core``         — bot/core/rules/engine.py: four small changes (see ``core``)
"""

from __future__ import annotations

import collections
import warnings
from collections.abc import Callable
from typing import Any

import _common  # noqa: F401  (repository root on sys.path)


def walk_cache() -> None:
    """Memoise ``asked_questions`` by (ruleset, day, answers): what one walk per update buys."""
    import bot.core.interview as interview
    import bot.core.rules.engine as engine
    import bot.telegram.buttons as buttons
    import bot.telegram.render as render

    original = engine.asked_questions
    cache: dict[Any, Any] = {}

    def asked(answers: Any, ruleset: Any, as_of: Any) -> Any:
        key = (id(ruleset), as_of, frozenset(answers.items()))
        hit = cache.get(key)
        if hit is None:
            if len(cache) > 50_000:
                cache.clear()
            hit = cache[key] = original(answers, ruleset, as_of)
        return hit

    for module in (engine, interview, buttons, render):
        module.asked_questions = asked  # type: ignore[attr-defined]


def raw_send() -> None:
    """Sender: ``bot.do_api_request("sendMessage", ...)`` returns the raw result; PTB's
    ``Message.de_json`` (about half the CPU of a send) is skipped. Errors still raise."""
    from telegram.warnings import PTBUserWarning

    from bot.delivery import sender as sender_module
    from bot.delivery.ptb_limiter import QUEUE_SEND

    warnings.filterwarnings("ignore", category=PTBUserWarning, message="Please use 'Bot.")

    async def deliver(self: Any, row: Any) -> None:
        payload = row.payload
        if payload is None:
            raise ValueError("damaged payload")
        kwargs: dict[str, Any] = {"chat_id": row.chat_id, "text": payload.text}
        if payload.parse_mode:
            kwargs["parse_mode"] = payload.parse_mode
        if payload.reply_markup:
            kwargs["reply_markup"] = payload.reply_markup
        if payload.disable_preview:
            kwargs["link_preview_options"] = {"is_disabled": True}
        if row.paid:
            kwargs["allow_paid_broadcast"] = True
        token = QUEUE_SEND.set(True)
        try:
            await self._bot.do_api_request("sendMessage", api_kwargs=kwargs)
        finally:
            QUEUE_SEND.reset(token)

    sender_module.Sender._deliver = deliver  # type: ignore[method-assign]


def window_budget() -> None:
    """Bulk sends on a fixed grid of 1/rate slots, so a late wake-up is caught up by the
    next send, capped by a sliding 1-second window of ``rate`` sends (2 ms margin), so no
    window ever holds more than ``rate``. The shipped budget restarts the grid at the
    late time instead, losing each wake-up's lateness (about 1 ms of 33 ms at 30/s)."""
    from bot.delivery import budget as budget_module
    from bot.delivery import sender as sender_module

    class WindowBudget(budget_module.SendBudget):
        def __init__(self, rate: float = budget_module.DEFAULT_RATE, **kwargs: Any) -> None:
            super().__init__(rate, **kwargs)
            self._sent: collections.deque[float] = collections.deque(maxlen=max(1, int(rate)))

        def bulk_delay(self) -> float:
            now = self.clock.monotonic()
            ready = max(self._tat, self._halt_until)
            if len(self._sent) == self._sent.maxlen:
                ready = max(ready, self._sent[0] + 1.002)
            return 0.0 if ready <= now + 1e-9 else ready - now

        def take_bulk(self) -> None:
            now = self.clock.monotonic()
            self._tat = max(self._tat, now - self.interval / 2) + self.interval
            self._sent.append(now)

    sender_module.SendBudget = WindowBudget  # type: ignore[misc]


def core() -> None:
    """Four engine changes that keep results identical (the benchmark checks):

    1. the questions an outcome reads (``_questions_read``) computed once per outcome;
    2. the guard names of a condition as a precomputed frozenset, not a set per call;
    3. ``need()`` iterating only the derived names an expression reads, not all names;
    4. an outcome skipped at once when a literal guard of its first clause on an
       answered question fails (``document == 'patent'``), before any other work.
    """
    import bot.core.rules.engine as engine

    original_read = engine._questions_read
    read_cache: dict[Any, Any] = {}

    def questions_read(ruleset: Any, names: list[str]) -> Any:
        key = (id(ruleset), tuple(names))
        if key not in read_cache:
            read_cache[key] = original_read(ruleset, names)
        return read_cache[key]

    guard_names: dict[int, frozenset[str]] = {}

    def holds(self: Any, compiled: Any) -> Any:
        names = guard_names.get(id(compiled))
        if names is None:
            names = guard_names[id(compiled)] = frozenset(g.name for g in compiled.guards)
        self.need(names)
        if compiled.cannot_hold(self.values):
            return False
        return self.run(compiled)

    derived_only: dict[int, tuple[Any, list[str]]] = {}

    def need(self: Any, names: Any) -> None:
        entry = derived_only.get(id(names))
        if entry is None or entry[0] is not names:
            derived = {d.id for d in self.ruleset.derived}
            entry = derived_only[id(names)] = (names, [n for n in names if n in derived])
        for name in entry[1]:
            item = self.pending.pop(name, None)
            if item is None:
                continue
            compiled = self.ruleset.compiled[item.value]
            self.need(compiled.variables)
            result = engine._run(compiled, self.context, self.values, self.errors)
            self.values[item.id] = result
            self.context.update({item.id: engine.to_cel(result)})

    original_reasons = engine._reasons
    first_guards: dict[int, list[Any]] = {}

    def reasons(outcome: Any, ruleset: Any, state: Any) -> Any:
        guards = first_guards.get(id(outcome))
        if guards is None:
            questions = {q.id for q in ruleset.questions}
            compiled = ruleset.compiled[outcome.when[0].check] if outcome.when else None
            guards = first_guards[id(outcome)] = [
                g for g in (compiled.guards if compiled else ())
                if g.kind == "literal" and g.name in questions
            ]  # fmt: skip
        for guard in guards:
            if not guard.holds(state.values):
                return None
        return original_reasons(outcome, ruleset, state)

    engine._questions_read = questions_read  # type: ignore[assignment]
    engine._Values.holds = holds  # type: ignore[method-assign]
    engine._Values.need = need  # type: ignore[method-assign]
    engine._reasons = reasons  # type: ignore[assignment]


WHAT_IFS: dict[str, Callable[[], None]] = {
    "walk-cache": walk_cache,
    "raw-send": raw_send,
    "window-budget": window_budget,
    "core": core,
}


def apply(names: list[str] | None) -> None:
    """Apply the named experiments and say so in the output."""
    for name in names or []:
        WHAT_IFS[name]()
        print(f"WHAT-IF applied (not the shipped code): {name}")
