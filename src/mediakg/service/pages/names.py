"""Finding an entity by any spelling of its name, in any script the sources use.

Every name of every entity (``skos:prefLabel``, ``skos:altLabel`` in any language, ``dct:title``) is kept
three ways: folded (lower-case ASCII: anyascii transliterates Cyrillic, Kazakh letters included, and drops
diacritics: ``Тоқаев`` -> ``toqaev``, ``Gísladóttir`` -> ``gisladottir``), as words, and as word skeletons
that merge the spelling variants transliteration produces (``Tokayev``, ``Tokaev``, ``Токаев`` -> ``tokaev``;
``Toyken``, ``Toiken`` -> ``toiken``). A query is ranked against them, best first:

=====  ==========================================================================
score  the query (folded) ...
=====  ==========================================================================
100    is the whole name
 96    begins the name
 93    begins a word of the name
 88    occurs in the name
 84    every word's skeleton begins a word skeleton of the name (other spelling)
 60-80 every word is close to a word of the name (rapidfuzz ratio of skeletons >= 80: a typo)
=====  ==========================================================================

plus up to 5 for how much of the name the query covers (``Toyken`` ranks the person "Sania Toyken" above a
case whose long title contains the name). A query word of fewer than four letters never matches by
closeness, only by the rules above it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_VOWEL_Y_VOWEL = re.compile(r"(?<=[aeiou])y(?=[aeiou])")
_DOUBLE = re.compile(r"(.)\1+")
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
#: Longest query searched for (longer ones are refused with 422 by the routes).
MAX_QUERY = 200
#: Least closeness (rapidfuzz ratio, 0-100) of a query word to a name word to count as a typo of it.
CLOSE = 80


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (``K.Tokaev`` -> ``k tokaev``)."""
    return _NOT_WORD.sub(" ", anyascii(text).lower()).strip()


@lru_cache(maxsize=100_000)
def skeleton(word: str) -> str:
    """A key of one folded word that spelling variants share (``tokayev``, ``tokaev`` -> ``tokaev``)."""
    key = word
    for old, new in _FOLDS:
        key = key.replace(old, new)
    key = _VOWEL_Y_VOWEL.sub("", key)
    key = key.replace("iy", "i").replace("yy", "i").replace("y", "i")
    return _DOUBLE.sub(r"\1", key)


@dataclass(frozen=True)
class Name:
    """One name of an entity, with its folded forms."""

    text: str
    folded: str
    words: tuple[str, ...]
    skeletons: tuple[str, ...]
    preferred: bool

    @classmethod
    def of(cls, text: str, preferred: bool = False) -> Name:
        folded = fold(text)
        words = tuple(folded.split())
        return cls(text, folded, words, tuple(skeleton(w) for w in words), preferred)


@dataclass
class Entry:
    """An entity of the index: IRI, the name a page shows, its kind (class label), its names."""

    iri: str
    label: str
    kind: str
    names: list[Name]


@dataclass(frozen=True)
class Hit:
    """A found entity: the entry, its score, and the name that matched best."""

    entry: Entry
    score: float
    matched: str


@dataclass(frozen=True)
class Query:
    """A search text, folded once."""

    text: str
    folded: str
    words: tuple[str, ...]
    skeletons: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Query:
        n = Name.of(text)
        return cls(text, n.folded, n.words, n.skeletons)


def _close(q: str, words: tuple[str, ...]) -> float:
    """How close query skeleton ``q`` is to its nearest word (0 when too short or too far)."""
    if len(q) < 4:
        return 0.0
    best = max((fuzz.ratio(q, w) for w in words), default=0.0)
    return best if best >= CLOSE else 0.0


def score(q: Query, name: Name) -> float:
    """How well ``q`` matches ``name`` (0: not at all); see the module docstring."""
    if not q.folded or not name.folded:
        return 0.0
    if name.folded == q.folded:
        tier = 100.0
    elif name.folded.startswith(q.folded):
        tier = 96.0
    elif f" {q.folded}" in f" {name.folded}":
        tier = 93.0
    elif q.folded in name.folded:
        tier = 88.0
    elif all(any(s.startswith(qs) for s in name.skeletons) for qs in q.skeletons):
        tier = 84.0
    else:
        closeness = [_close(qs, name.skeletons) for qs in q.skeletons]
        if not all(closeness):
            return 0.0
        tier = 60.0 + (sum(closeness) / len(closeness) - CLOSE)  # 60 (ratio 80) to 80 (ratio 100)
    coverage = min(1.0, len(q.folded) / len(name.folded))
    return tier + 5 * coverage + (0.5 if name.preferred else 0.0)


class NameIndex:
    """The names of every entity of one build, searched by :meth:`search`."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, text: str, limit: int | None = None) -> list[Hit]:
        """The entities whose names match ``text``, best first (then by name), at most ``limit``."""
        q = Query.of(text[:MAX_QUERY])
        if not q.folded:
            return []
        hits = []
        for entry in self.entries:
            scored = [(score(q, n), n) for n in entry.names]
            best, name = max(scored, key=lambda sn: sn[0], default=(0.0, None))
            if best > 0 and name is not None:
                # Say which spelling matched only where the preferred name did not match about as well (the
                # coverage bonus alone does not make "Ms. Gísladóttir" a better match than the full name).
                pref = next((s for s, n in scored if n.preferred), 0.0)
                hits.append(Hit(entry, best, entry.label if pref > best - 5 else name.text))
        hits.sort(key=lambda h: (-h.score, h.entry.label.lower(), h.entry.iri))
        return hits[:limit] if limit is not None else hits
