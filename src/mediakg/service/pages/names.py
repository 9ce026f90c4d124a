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
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

from anyascii import anyascii
from rapidfuzz import fuzz, process

_NOT_WORD = re.compile(r"[^0-9a-z]+")
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
#: Longest query searched for (longer ones are refused with 422 by the routes).
MAX_QUERY = 200
#: Least closeness (rapidfuzz ratio, 0-100) of a query word to a name word to count as a typo of it.
CLOSE = 80


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (``K.Tokaev`` -> ``k tokaev``)."""
    ascii_text = text if text.isascii() else anyascii(text)  # anyascii goes letter by letter, in Python
    return _NOT_WORD.sub(" ", ascii_text.lower()).strip()


@lru_cache(maxsize=100_000)
def skeleton(word: str) -> str:
    """A key of one folded word that spelling variants share (``tokayev``, ``tokaev`` -> ``tokaev``)."""
    key = word
    for old, new in _FOLDS:
        key = key.replace(old, new)
    key = _VOWEL_Y_VOWEL.sub("", key)
    key = key.replace("iy", "i").replace("yy", "i").replace("y", "i")
    return "".join(letter for letter, _ in groupby(key))  # doubled letters once


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


class _Texts:
    """Many short texts in one string, so that finding a part of any of them is one C loop (``str.find``)."""

    def __init__(self, texts: list[str]) -> None:
        self.starts: list[int] = []
        position = 0
        for text in texts:
            self.starts.append(position)
            position += len(text) + 1
        self.joined = "\n".join(texts)

    def containing(self, part: str) -> set[int]:
        """The numbers of the texts that contain ``part`` (which holds no newline)."""
        found, at = set(), self.joined.find(part)
        while at >= 0:
            number = bisect_right(self.starts, at) - 1
            found.add(number)
            at = self.joined.find(
                part, self.starts[number + 1] if number + 1 < len(self.starts) else len(self.joined)
            )
        return found


class NameIndex:
    """The names of every entity of one build, searched by :meth:`search`.

    Only the entities that can match are scored: those with a name that contains the folded query, whose
    word skeletons begin with the query's, or (found by rapidfuzz over the distinct word skeletons, in C)
    that have a word close to every query word. At 100,000 entities a query takes milliseconds, not seconds.
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        owner: list[int] = []  # name number -> entry number
        folded: list[str] = []
        skeletons: list[str] = []
        self._by_word: dict[str, set[int]] = {}  # word skeleton -> entries with a name that has it
        for i, entry in enumerate(self.entries):
            for name in entry.names:
                owner.append(i)
                folded.append(" " + name.folded)
                skeletons.append(" " + " ".join(name.skeletons))
                for word in name.skeletons:
                    self._by_word.setdefault(word, set()).add(i)
        self._owner = owner
        self._folded = _Texts(folded)
        self._skeletons = _Texts(skeletons)
        self._words = list(self._by_word)

    def __len__(self) -> int:
        return len(self.entries)

    def _candidates(self, q: Query) -> set[int]:
        """The entries that :func:`score` can give more than 0 for ``q``: no other can."""
        names = self._folded.containing(q.folded)
        if q.skeletons:
            # every query word begins a word of the name: the name holds " <skeleton>" for each of them
            prefixed = [self._skeletons.containing(" " + s) for s in q.skeletons]
            names |= set.intersection(*prefixed)
        found = {self._owner[n] for n in names}
        if q.skeletons and all(len(s) >= 4 for s in q.skeletons):
            close: set[int] | None = None
            for s in q.skeletons:
                words = process.extract(s, self._words, scorer=fuzz.ratio, score_cutoff=CLOSE, limit=None)
                near = set().union(*(self._by_word[w] for w, _, _ in words))
                close = near if close is None else close & near
            found |= close or set()
        return found

    def search(self, text: str, limit: int | None = None) -> list[Hit]:
        """The entities whose names match ``text``, best first (then by name), at most ``limit``."""
        q = Query.of(text[:MAX_QUERY])
        if not q.folded:
            return []
        hits = []
        for i in self._candidates(q):
            entry = self.entries[i]
            scored = [(score(q, n), n) for n in entry.names]
            best, name = max(scored, key=lambda sn: sn[0], default=(0.0, None))
            if best > 0 and name is not None:
                # Say which spelling matched only where the preferred name did not match about as well (the
                # coverage bonus alone does not make "Ms. Gísladóttir" a better match than the full name).
                pref = next((s for s, n in scored if n.preferred), 0.0)
                hits.append(Hit(entry, best, entry.label if pref > best - 5 else name.text))
        hits.sort(key=lambda h: (-h.score, h.entry.label.lower(), h.entry.iri))
        return hits[:limit] if limit is not None else hits
