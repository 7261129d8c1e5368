"""One combined regex for a group of dynamic rules, so that a match is a single C-level call.

The rules of a group are tried most specific first. Rather than one regex per rule, the group
compiles an alternation of all of them, in that order, and each alternative ends with an empty
*marker* group: being the last group to close, the marker is the match's ``lastindex`` and
names the rule that matched.

Rules that begin with the same *shareable* pieces (a literal segment, or one converter that fills
a segment; see :class:`~erlen.routing.rules.Piece`) share them, as in a trie::

    /<lang>/about, /<lang>/contact   ->   /([^/]+)(?:/about\\Z()|/contact\\Z())

so the cost grows with the depth of the table rather than its width: the last of 100 rules
under ``/<lang>/`` costs about what the first does. Only consecutive rules are merged, and only
on pieces that can match in one way, so the order in which alternatives are tried, and hence
which rule wins, is that of the unmerged alternation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

from .rules import Binding, Piece, Rule

__all__ = ["RuleGroup"]


class RuleGroup:
    """Dynamic rules tried together, most specific first, behind one combined regex."""

    __slots__ = ("entries", "combined", "by_marker")

    def __init__(self, rules: list[Rule]) -> None:
        self.entries = tuple((rule, rule._regex) for rule in rules if rule._regex is not None)
        builder = _PatternBuilder([rule._pieces for rule, _ in self.entries])
        pattern = builder.alternation(list(range(len(self.entries))), 0)
        #: by_marker[n]: the rule whose marker is group n, its index in `entries`, and where its
        #: variables are in the combined pattern.
        self.by_marker: dict[int | None, tuple[int, Rule, tuple[Binding, ...]]] = {}
        for marker, index in builder.markers.items():
            rule = self.entries[index][0]
            self.by_marker[marker] = (index, rule, rule.bind_groups(builder.starts[index]))
        self.combined: re.Pattern[str] | None = None
        try:
            if self.entries:
                self.combined = re.compile(pattern, re.DOTALL)
        except re.error:
            # A converter regex with a named group cannot appear twice in one pattern: fall
            # back to trying the rules one by one.
            self.combined = None

    def match(self, path: str, method: str) -> tuple[Rule, dict[str, Any]] | None:
        """The first rule that matches ``path`` and accepts ``method``, with its values."""
        start = 0
        combined = self.combined
        if combined is not None:
            found = combined.match(path)
            if found is None:
                return None
            start, rule, bindings = self.by_marker[found.lastindex]
            if method in rule.methods:
                try:
                    return rule, rule.convert(found, bindings)
                except ValueError:
                    pass
            # Rare: the method differs or a converter refused; try the later rules one by one.
            start += 1
        for rule, regex in islice(self.entries, start, None):
            if method in rule.methods:
                found = regex.match(path)
                if found is not None:
                    try:
                        return rule, rule.convert(found)
                    except ValueError:
                        continue
        return None

    def matching(self, path: str) -> Iterator[tuple[Rule, dict[str, Any]]]:
        """Every rule of the group that matches ``path``, whatever the method, with its values."""
        if self.combined is not None and self.combined.match(path) is None:
            return
        for rule, regex in self.entries:
            found = regex.match(path)
            if found is not None:
                try:
                    values = rule.convert(found)
                except ValueError:
                    continue
                yield rule, values


class _PatternBuilder:
    """Writes the combined alternation, numbering its groups as they appear."""

    def __init__(self, pieces: list[tuple[Piece, ...]]) -> None:
        self.pieces = pieces
        self.group = 0
        #: starts[rule][n]: the number of groups before the rule's n-th piece.
        self.starts = [[0] * len(rule_pieces) for rule_pieces in pieces]
        #: marker group number -> rule index
        self.markers: dict[int, int] = {}

    def alternation(self, rules: list[int], depth: int) -> str:
        """The alternatives for ``rules``, in order; they share their first ``depth`` pieces."""
        alternatives: list[str] = []
        position = 0
        while position < len(rules):
            piece = self._piece(rules[position], depth)
            run_end = position + 1
            if piece is not None and piece.shareable:
                while run_end < len(rules) and self._same(rules[run_end], depth, piece):
                    run_end += 1
            if run_end - position == 1:
                alternatives.append(self._rest(rules[position], depth))
            else:
                assert piece is not None
                run = rules[position:run_end]
                shared = self._emit(run, depth, piece)
                alternatives.append(f"{shared}(?:{self.alternation(run, depth + 1)})")
            position = run_end
        return "|".join(alternatives)

    def _piece(self, rule: int, depth: int) -> Piece | None:
        rule_pieces = self.pieces[rule]
        return rule_pieces[depth] if depth < len(rule_pieces) else None

    def _same(self, rule: int, depth: int, other: Piece) -> bool:
        piece = self._piece(rule, depth)
        return piece is not None and piece.shareable and piece.pattern == other.pattern

    def _emit(self, rules: list[int], depth: int, piece: Piece) -> str:
        for rule in rules:
            self.starts[rule][depth] = self.group
        self.group += piece.groups
        return piece.pattern

    def _rest(self, rule: int, depth: int) -> str:
        """The rule's own pieces from ``depth`` on, then its marker."""
        parts = []
        for position in range(depth, len(self.pieces[rule])):
            piece = self.pieces[rule][position]
            parts.append(self._emit([rule], position, piece))
        self.group += 1
        self.markers[self.group] = rule
        parts.append("()")
        return "".join(parts)
