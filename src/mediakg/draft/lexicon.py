"""The word lists of ``lexicon.toml`` and a matcher for phrases, compared word by word after stemming."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import snowballstemmer

from mediakg.draft.normalise import fold

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Snowball stem of a folded word (``detained`` -> ``detain``)."""
    return _STEMMER.stemWord(fold(word))


def stems(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) of every word of ``text``."""
    return [(stem(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


@dataclass
class PhraseMatcher:
    """Finds any of a set of phrases in a text, word by word on stems; each phrase carries a value (e.g. the
    concept it is a label of)."""

    phrases: dict[tuple[str, ...], list[tuple[str, object]]] = field(default_factory=dict)

    def add(self, phrase: str, value: object) -> None:
        key = tuple(s for s, _, _ in stems(phrase))
        if key:
            self.phrases.setdefault(key, []).append((phrase, value))

    @cached_property
    def _lengths(self) -> list[int]:
        return sorted({len(k) for k in self.phrases}, reverse=True)

    def find(self, text: str, offset: int = 0) -> list[tuple[int, int, str, object]]:
        """(start, end, phrase, value) of each phrase found in ``text`` (offsets + ``offset``), longest
        first where phrases overlap."""
        words = stems(text)
        found: list[tuple[int, int, str, object]] = []
        taken: set[int] = set()
        for n in self._lengths:
            for i in range(len(words) - n + 1):
                if taken.intersection(range(i, i + n)):
                    continue
                key = tuple(w for w, _, _ in words[i : i + n])
                for phrase, value in self.phrases.get(key, ()):
                    found.append((words[i][1] + offset, words[i + n - 1][2] + offset, phrase, value))
                if key in self.phrases:
                    taken.update(range(i, i + n))
        return sorted(found, key=lambda f: f[0])


@dataclass
class Lexicon:
    """The contents of lexicon.toml (see the comments there)."""

    data: dict

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        with path.open("rb") as handle:
            return cls(tomllib.load(handle))

    @cached_property
    def _furniture(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.data["page"]["furniture"]))

    def is_furniture(self, line: str) -> bool:
        return bool(self._furniture.search(line))

    @property
    def issued_prefixes(self) -> list[str]:
        return self.data["page"]["issued_prefixes"]

    @property
    def min_bullet_words(self) -> int:
        return int(self.data["episodes"]["min_bullet_words"])

    @cached_property
    def _demand(self) -> PhraseMatcher:
        matcher = PhraseMatcher()
        for phrase in self.data["episodes"]["demand_words"]:
            matcher.add(phrase, "demand")
        return matcher

    def has_demand(self, text: str) -> bool:
        return bool(self._demand.find(text))

    @cached_property
    def _figure(self) -> re.Pattern[str]:
        units = "|".join(map(re.escape, self.data["episodes"]["figure_units"]))
        return re.compile(rf"\b\d[\d\s.,]*\s*(?:{units})\b", re.I)

    def is_figure(self, text: str) -> bool:
        """Whether ``text`` states a quantity ("78 million 100 thousand tenge"): a figure, not a case."""
        return bool(self._figure.search(text))

    @cached_property
    def meetings(self) -> PhraseMatcher:
        """Meeting phrases; the value is ``introducing`` or ``referring``."""
        matcher = PhraseMatcher()
        for kind in ("introducing", "referring"):
            for phrase in self.data["meetings"][kind]:
                matcher.add(phrase, kind)
        return matcher

    def names(self, key: str) -> list[str]:
        return list(self.data["names"][key])

    @cached_property
    def minister_fields(self) -> dict[str, str]:
        return dict(self.data["posts"]["minister_fields"])

    @property
    def relative(self) -> list[dict]:
        """Relative date phrases, longest first (``a day earlier`` before ``earlier``)."""
        return sorted(self.data["relative"], key=lambda r: -len(r["phrase"]))
