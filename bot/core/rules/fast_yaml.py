"""Read rule files with libyaml (ruamel.yaml.clib) and keep the lines problems are reported on.

Why: the round-trip parser ruamel uses to keep line numbers is pure Python and took
most of ``hamroh rules check`` and of the bot's start (680 KB of YAML: ~2 s on an
idle 2-core machine, ~7 s under load). libyaml's parser through ruamel's safe loader
is about ten times faster. This constructor gives its result the parts of the
round-trip result the loader reads: mappings and sequences that know the line and
column of each key and item (``.lc``), ``|`` and ``>`` scalars as
``LiteralScalarString``/``FoldedScalarString``, timestamps kept as text. Data is the
same as the round-trip parser's (YAML 1.2 in both). Parsed files are also kept
between runs (:func:`load`).
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import __version__ as ruamel_version
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from bot.core.user_cache import entry_name, read_entry, write_entry

_CACHE_VERSION = "1"
"""Bump when what :func:`parse` returns changes shape: older cache entries are ignored."""


class LocatingConstructor(SafeConstructor):
    """Safe construction, plus line and column of every key and item."""

    def construct_located_map(self, node: MappingNode) -> Iterator[CommentedMap]:
        data = CommentedMap()
        data._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found unhashable key", key_node.start_mark,
                ) from None  # fmt: skip
            if key in data:
                raise ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r}", key_node.start_mark,
                )  # fmt: skip
            data[key] = self.construct_object(value_node, deep=True)
            start, value_start = key_node.start_mark, value_node.start_mark
            data._yaml_set_kv_line_col(
                key, [start.line, start.column, value_start.line, value_start.column]
            )

    def construct_located_seq(self, node: SequenceNode) -> Iterator[CommentedSeq]:
        data = CommentedSeq()
        data._yaml_set_line_col(node.start_mark.line, node.start_mark.column)
        yield data
        for index, child in enumerate(node.value):
            data.append(self.construct_object(child, deep=True))
            data._yaml_set_idx_line_col(index, [child.start_mark.line, child.start_mark.column])

    def construct_located_str(self, node: ScalarNode) -> str:
        text: str = str(self.construct_scalar(node))
        if node.style == "|":
            text = LiteralScalarString(text)
        elif node.style == ">":
            text = FoldedScalarString(text)
        return text

    def construct_timestamp_text(self, node: ScalarNode) -> str:
        return str(self.construct_scalar(node))


LocatingConstructor.add_constructor(
    "tag:yaml.org,2002:map", LocatingConstructor.construct_located_map
)
LocatingConstructor.add_constructor(
    "tag:yaml.org,2002:seq", LocatingConstructor.construct_located_seq
)
LocatingConstructor.add_constructor(
    "tag:yaml.org,2002:str", LocatingConstructor.construct_located_str
)
LocatingConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", LocatingConstructor.construct_timestamp_text
)


def locating_yaml() -> YAML:
    """A loader with libyaml's parser when ruamel.yaml.clib is there (pure Python if not)."""
    loader = YAML(typ="safe", pure=False)
    loader.Constructor = LocatingConstructor
    return loader


def parse(text: str) -> Any:
    """Parse one document (a fresh loader each time: ruamel's are not re-entrant)."""
    return locating_yaml().load(text)


def load(text: str) -> Any:
    """:func:`parse`, remembered by the text's SHA-256 (:mod:`bot.core.user_cache`).

    Why: even with libyaml, building the node tree of ``rules/`` costs a few hundred
    milliseconds at every start and every ``hamroh rules check``; unpickling it, ~15
    ms. The key is the file's text (and the versions of this module and ruamel), so
    an edited file is parsed again. The folder is created private to the user (only
    the same user, who can already change the code, can write what is unpickled). A
    cache that cannot be read or written is simply not used.
    """
    name = entry_name(_CACHE_VERSION, ruamel_version, text) + ".pickle"
    kept = read_entry("rules", name)
    if kept is not None:
        with contextlib.suppress(
            pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError
        ):
            return pickle.loads(kept)
    root = parse(text)
    with contextlib.suppress(pickle.PicklingError):
        write_entry("rules", name, pickle.dumps(root, protocol=pickle.HIGHEST_PROTOCOL))
    return root
