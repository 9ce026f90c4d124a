"""Text keys for matching names across spellings and scripts.

``fold`` makes a string comparable across case, diacritics and script (anyascii transliterates Cyrillic,
Kazakh letters included: қ -> q, ғ -> gh, ң -> ng, ө -> o, ұ/ү -> u, і -> i, ә -> a). ``skeleton`` then
collapses the spelling variants that transliterations of Kazakh and Russian names produce (Tokayev / Tokaev,
Toyken / Toiken, Zhanaozen / Жаңаөзен), so two spellings of one name get one key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_VOWEL_Y_VOWEL = re.compile(r"(?<=[aeiou])y(?=[aeiou])")
# Digraphs and letters that transliteration schemes of Kazakh/Russian render differently.
_FOLDS = (
    ("dzh", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("q", "k"),
    ("ng", "n"),
    ("w", "v"),
)
_DOUBLE = re.compile(r"(.)\1+")


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


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII transliteration (``Қadіr`` -> ``qadir``, ``Gísladóttir`` -> ``gisladottir``)."""
    return anyascii(text).lower()


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """A spelling-tolerant key of one word: folded, Kazakh/Russian transliteration variants merged, doubled
    letters collapsed (``Tokayev`` and ``Tokaev`` -> ``tokaev``; ``Toyken``, ``Toiken`` -> ``toiken``)."""
    key = "".join(ch for ch in fold(word) if ch.isalnum())
    for old, new in _FOLDS:
        key = key.replace(old, new)
    key = _VOWEL_Y_VOWEL.sub("", key)
    key = key.replace("iy", "i").replace("yy", "i").replace("y", "i")
    return _DOUBLE.sub(r"\1", key)


def slug(text: str) -> str:
    """IRI slug as MODEL.md writes them: ASCII-folded, lower case, words joined by ``-``."""
    return "-".join(_WORD.findall(fold(text))) or "unnamed"
