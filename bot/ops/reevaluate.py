"""Judge many stored answer sets on all cores: the heavy part of a ruleset change.

Why processes: evaluation is pure Python plus CEL calls under the GIL, about
2,500-3,000 assessments/s on one core for the shipped ruleset (BENCHMARKS.md,
benchmark 5). ``hamroh rules diff --db`` judges every stored answer set under the
old and the new ruleset; with N cores the same work takes about 1/N of the time.

How: the caller reads answer sets (e.g. ``bot.storage.export.iter_answer_sets``,
read-only, one person at a time) and this module hands them out in chunks to
worker processes, each of which loads the rulesets once. Workers return only
summaries — status and deadlines per ruleset, in input order — never answers, and
nothing is logged. With ``processes=1`` everything runs in the calling process.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.core.rules import Ruleset, evaluate, load_ruleset

DEFAULT_CHUNK = 250


@dataclass(frozen=True, slots=True)
class Deadline:
    id: str
    date: date


@dataclass(frozen=True, slots=True)
class Summary:
    """What a re-evaluation needs to compare: the status and the deadlines.

    Has the ``status`` and ``deadlines`` of an ``Assessment``, so
    ``bot.core.rules.diff.compare`` accepts two summaries as it does two assessments.
    """

    status: str
    deadlines: tuple[Deadline, ...]


def summarize(answers: Mapping[str, Any], as_of: date, ruleset: Ruleset) -> Summary:
    assessment = evaluate(answers, as_of, ruleset)
    return Summary(assessment.status, tuple(Deadline(d.id, d.date) for d in assessment.deadlines))


_worker_rulesets: tuple[Ruleset, ...] = ()


def _init_worker(rules_dirs: Sequence[str]) -> None:
    global _worker_rulesets
    _worker_rulesets = tuple(load_ruleset(directory) for directory in rules_dirs)


def _judge_chunk(chunk: list[Mapping[str, Any]], as_of: date) -> list[tuple[Summary, ...]]:
    return [tuple(summarize(a, as_of, rs) for rs in _worker_rulesets) for a in chunk]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def judge_all(
    answer_sets: Iterable[Mapping[str, Any]],
    rules_dirs: Sequence[str | os.PathLike[str]],
    as_of: date,
    *,
    processes: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Iterator[tuple[Summary, ...]]:
    """For each answer set, in order: one :class:`Summary` per ruleset in ``rules_dirs``.

    ``processes=None`` uses every core. Memory stays bounded: at most two chunks per
    worker are in flight, so answer sets are read as fast as they are judged.
    """
    dirs = [str(Path(d)) for d in rules_dirs]
    workers = processes or os.cpu_count() or 1
    if workers <= 1:
        rulesets = [load_ruleset(d) for d in dirs]
        for answers in answer_sets:
            yield tuple(summarize(answers, as_of, rs) for rs in rulesets)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(dirs,)) as pool:
        pending = []
        for part in _chunks(answer_sets, chunk):
            pending.append(pool.submit(_judge_chunk, part, as_of))
            if len(pending) >= 2 * workers:
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()
