"""Words of a text and their keys for matching names (the keys are :mod:`mediakg.graph.spelling`'s)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediakg.graph.spelling import ascii_lower, skeleton

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Token:
    """One word of a text: its characters and where they are (offsets into the text)."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return skeleton(self.text)

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def tokens(text: str) -> list[Token]:
    """The words of ``text`` (runs of letters and digits); punctuation separates them (``K.Tokaev``: two)."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def fold(text: str) -> str:
    """Lower-case ASCII transliteration (``Қadіr`` -> ``qadir``, ``Gísladóttir`` -> ``gisladottir``)."""
    return ascii_lower(text)


def slug(text: str) -> str:
    """IRI slug as MODEL.md writes them: ASCII-folded, lower case, words joined by ``-``."""
    return "-".join(_WORD.findall(fold(text))) or "unnamed"
