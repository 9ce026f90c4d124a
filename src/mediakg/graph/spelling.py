"""Spelling keys that make names comparable across case, diacritics, scripts and transliterations.

``ascii_lower`` transliterates (anyascii: Cyrillic, Kazakh letters included: қ -> q, ғ -> gh, ң -> ng,
ө -> o, ұ/ү -> u, і -> i, ә -> a) and lower-cases; ``skeleton`` then collapses the spelling variants that
transliterations of Kazakh and Russian names produce (Tokayev / Tokaev, Toyken / Toiken, Zhanaozen /
Жаңаөзен), so that two spellings of one name get one key. The search of the service and ``mediakg draft``
match names with them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby

from anyascii import anyascii

_VOWEL_Y_VOWEL = re.compile(r"(?<=[aeiou])y(?=[aeiou])")
# Letters and digraphs that transliterations of Kazakh and Russian render differently.
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
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=200_000)
def ascii_lower(text: str) -> str:
    """Lower-case ASCII transliteration (``Қadіr`` -> ``qadir``, ``Gísladóttir`` -> ``gisladottir``)."""
    return (text if text.isascii() else anyascii(text)).lower()  # anyascii goes letter by letter


def folded_words(text: str) -> str:
    """:func:`ascii_lower` words separated by single spaces (``K.Tokaev`` -> ``k tokaev``)."""
    return _NOT_WORD.sub(" ", ascii_lower(text)).strip()


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """A spelling-tolerant key of one word in any script: folded, Kazakh/Russian transliteration variants
    merged, doubled letters collapsed (``Tokayev``, ``Tokaev`` -> ``tokaev``; ``Toyken``, ``Toiken`` ->
    ``toiken``)."""
    key = "".join(ch for ch in ascii_lower(word) if ch.isalnum())
    for old, new in _FOLDS:
        key = key.replace(old, new)
    key = _VOWEL_Y_VOWEL.sub("", key)
    key = key.replace("iy", "i").replace("yy", "i").replace("y", "i")
    return "".join(letter for letter, _ in groupby(key))
