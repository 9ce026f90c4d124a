"""Find the graph's entities in a text by any of their labels, in any spelling or script.

Ways a mention is found, with the score each gives (1.0 = the label verbatim):

- a label's words, compared by their ``skeleton`` keys (case, diacritics, script and transliteration
  variants merged): 1.0 verbatim, 0.97 same letters folded, 0.93 a spelling variant;
- a person's initials and surname ("K.Tokaev" for Kassym-Jomart Tokayev): 0.9;
- a region's label with another word for its kind of place ("Central Asian countries" for "Central Asian
  States", lexicon.toml ``region_heads``): 0.9;
- a label's words within a small edit distance (rapidfuzz ratio of the keys >= 92): ratio x 0.95; between
  80 and 92 only a question for the reviewer;
- a person's surname alone ("Mr. Atamkulov"): 0.85 when the text names the person in full elsewhere, else a
  question ("Toiken: same as Sania Toyken?");
- a law's short name ("the Constitution" for the Constitution of the Republic of Kazakhstan): 0.85;
- a post that names its body ("Foreign Minister" -> Ministry of Foreign Affairs): 0.8;
- an article of a law ("Article 20 of the Constitution ..." -> that provision): the law's score.

A label without a capital letter is a description, not a name ("akimat", "the region"): a text that has
the same words may mean another thing of that kind, so it is only a question for the reviewer, and one
that starts with an article ("the government building") - the way its own text refers back to the thing -
is not looked for at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from mediakg.draft.graph import Entity, GraphView
from mediakg.draft.lexicon import Lexicon
from mediakg.draft.normalise import Token, fold, skeleton, tokens
from mediakg.draft.source import SourceText

LINK_RATIO = 92.0  # fuzzy matches at or above link, below ask
ASK_RATIO = 80.0
ASK_RATIO_ONE_WORD = 88.0  # one word is short: ask only when it is nearly the same
_ARTICLE = re.compile(
    r"\b(?:Article|Art\.|article|art\.)\s*(?P<n>\d+(?:-\d+)?)\s+of\s+(?!which\b)(?:the\s+)?"
)
_ARTICLE_OF_WHICH = re.compile(r"^\s*,\s*(?:Article|Art\.|article)\s*(?P<n>\d+(?:-\d+)?)\s+of\s+which\b")


@dataclass
class Mention:
    """Where the text names an entity, and how sure the match is."""

    iri: str
    start: int
    end: int
    surface: str
    score: float
    how: str


@dataclass
class Question:
    """A near miss the reviewer must decide ("Toiken: same as Sania Toyken?")."""

    surface: str
    start: int
    end: int
    candidates: list[str]  # entity IRIs
    score: float
    why: str


@dataclass
class Found:
    """The result of matching a text against the graph."""

    mentions: list[Mention] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    articles: list[tuple[int, int, str, str | None, int, int]] = field(default_factory=list)
    # (start, end, article number, law IRI or None, law span start, law span end) of article references

    def by_entity(self) -> dict[str, list[Mention]]:
        out: dict[str, list[Mention]] = {}
        for mention in sorted(self.mentions, key=lambda m: (-m.score, m.start)):
            out.setdefault(mention.iri, []).append(mention)
        return out

    def covered(self, start: int, end: int) -> bool:
        return any(m.start < end and start < m.end for m in self.mentions)


@dataclass
class _Label:
    entity: Entity
    text: str
    words: list[Token]
    variant: str = ""  # how a variant of a label differs from it ("" for the label itself)

    @property
    def common(self) -> bool:
        """A description rather than a name (no capital letter in it)."""
        return not any(ch.isupper() for ch in self.text)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(w.key for w in self.words)


def _case_fits(label_word: Token, text_word: Token) -> bool:
    """A capitalised label word needs a capitalised text word; an acronym needs the same letters."""
    lw, tw = label_word.text, text_word.text
    if len(lw) > 1 and lw.isupper():
        return tw == lw or fold(tw) == fold(lw) and tw.isupper()
    return not lw[:1].isupper() or tw[:1].isupper()


class Matcher:
    """Matches texts against one graph (build once, match many texts)."""

    def __init__(self, graph: GraphView, lexicon: Lexicon) -> None:
        self.graph = graph
        self.lexicon = lexicon
        self.index: dict[tuple[str, ...], list[_Label]] = {}
        self.surnames: dict[str, list[Entity]] = {}
        self.law_heads: dict[tuple[str, ...], list[Entity]] = {}
        for entity in graph.entities.values():
            if "provision" in entity.kinds:
                continue  # provisions are found through their law and article number
            for label in entity.labels:
                words = tokens(label.text)
                if words and not _back_reference(label.text):
                    self._index(_Label(entity, label.text, words))
            self._variants(entity)
        starts: dict[str, set[int]] = {}
        for key in self.index:
            starts.setdefault(key[0], set()).add(len(key))
        self.starts = {first: sorted(lengths, reverse=True) for first, lengths in starts.items()}
        self.fuzzy_labels = [lab for labs in self.index.values() for lab in labs if _fuzzy_worthy(lab)]

    def _index(self, label: _Label) -> None:
        self.index.setdefault(label.keys, []).append(label)

    def _variants(self, entity: Entity) -> None:
        if "place" in entity.kinds:
            self._region_variants(entity)
        if entity.is_person:
            words = tokens(entity.label)
            if len(words) >= 2 and len(words[-1].text) >= 4:
                self.surnames.setdefault(words[-1].key, []).append(entity)
        if "law" in entity.kinds:
            for label in entity.labels:
                head = re.split(r"\s+of\s+", label.text, maxsplit=1)[0]
                words = tokens(head)
                if words and head != label.text and all(w.capitalised for w in words):
                    self.law_heads.setdefault(tuple(w.key for w in words), []).append(entity)

    def _region_variants(self, entity: Entity) -> None:
        """ "Central Asian countries" for a region labelled "Central Asian States" (the other words of its
        last word's group in lexicon.toml ``region_heads``, in any case)."""
        for label in entity.labels:
            words = tokens(label.text)
            if len(words) < 2:
                continue
            head = words[-1].text.lower()
            for group in self.lexicon.names("region_heads"):
                if head not in group:
                    continue
                for other in group:
                    if other != head:
                        text = label.text[: words[-1].start] + other
                        variant = f'"{other}" for "{words[-1].text}" in "{label.text}"'
                        self._index(_Label(entity, text, tokens(text), variant))

    # ------------------------------------------------------------------------------------------- matching

    def match(self, source: SourceText) -> Found:
        """Every mention of a known entity in ``source``, and the questions near misses raise."""
        words = tokens(source.text)
        found = Found()
        taken = [False] * len(words)
        self._exact(source, words, taken, found)
        self._initials(source, words, taken, found)
        self._law_heads(source, words, taken, found)
        self._posts(source, found)
        self._fuzzy(source, words, taken, found)
        self._surnames(source, words, taken, found)
        self._articles(source, found)
        found.mentions.sort(key=lambda m: (m.start, -m.score))
        return found

    def _exact(self, source: SourceText, words: list[Token], taken: list[bool], found: Found) -> None:
        keys = [w.key for w in words]
        i = 0
        while i < len(words):
            for n in self.starts.get(keys[i], ()):  # only the lengths of labels that start with this word
                key = tuple(keys[i : i + n])
                labels = [
                    lab
                    for lab in self.index.get(key, ())
                    if all(map(_case_fits, lab.words, words[i : i + n]))
                ]
                if len(key) == n and labels and _contiguous(source.text, words[i : i + n]):
                    self._add(source, words, i, n, labels, found)
                    if n > 1:
                        self._places_inside(source, words, i, n, found)
                    taken[i : i + n] = [True] * n
                    i += n
                    break
            else:
                i += 1

    def _places_inside(self, source: SourceText, words: list[Token], i: int, n: int, found: Found) -> None:
        """A place named inside a longer name is named too ("Programme Office in Astana")."""
        for j in range(i, i + n):
            for m in range(1, i + n - j + 1):
                if m == n:
                    continue
                window = words[j : j + m]
                labels = [
                    lab
                    for lab in self.index.get(tuple(w.key for w in window), ())
                    if "place" in lab.entity.kinds and all(map(_case_fits, lab.words, window))
                ]
                if labels and len({lab.entity.iri for lab in labels}) == 1:
                    self._add(source, words, j, m, labels, found)

    def _add(
        self, source: SourceText, words: list[Token], i: int, n: int, labels: list[_Label], found: Found
    ) -> None:
        start, end = words[i].start, words[i + n - 1].end
        surface = source.text[start:end]
        entities = {lab.entity.iri: lab.entity for lab in labels}
        if len(entities) > 1:
            found.questions.append(
                Question(surface, start, end, sorted(entities), 0.5, "several entities have this label")
            )
            return
        if all(lab.common for lab in labels):
            why = f'the graph\'s label "{labels[0].text}" is a description, not a name'
            found.questions.append(Question(surface, start, end, sorted(entities), 0.5, why))
            return
        best = max(labels, key=lambda lab: (not lab.variant, _score(lab.text, surface)))
        if best.variant:
            found.mentions.append(
                Mention(best.entity.iri, start, end, surface, 0.9, f"label, another word: {best.variant}")
            )
            return
        score = _score(best.text, surface)
        how = {1.0: "label", 0.97: "label, other case or accents"}.get(score, "label, spelling variant")
        found.mentions.append(Mention(best.entity.iri, start, end, surface, score, f'{how} "{best.text}"'))

    def _initials(self, source: SourceText, words: list[Token], taken: list[bool], found: Found) -> None:
        """ "K.Tokaev", "R. Vasilenko", "k. Iskakov": an initial, a dot, the surname of a known person."""
        for i in range(len(words) - 1):
            initial, surname = words[i], words[i + 1]
            if (
                taken[i + 1]
                or len(initial.text) != 1
                or not initial.text.isalpha()
                or not surname.capitalised
            ):
                continue
            if not re.fullmatch(r"\.\s?", source.text[initial.end : surname.start]):
                continue
            for person in self.surnames.get(surname.key, []):
                given = tokens(person.label)[:-1]
                if any(w.key[:1] == skeleton(initial.text) for w in given):
                    start, end = initial.start, surname.end
                    surface = source.text[start:end]
                    found.mentions.append(
                        Mention(
                            person.iri, start, end, surface, 0.9, f'initial and surname of "{person.label}"'
                        )
                    )
                    taken[i : i + 2] = [True, True]
                    break

    def _law_heads(self, source: SourceText, words: list[Token], taken: list[bool], found: Found) -> None:
        """ "the Constitution" for a law labelled "Constitution of the Republic of Kazakhstan"."""
        for key, laws in self.law_heads.items():
            n = len(key)
            for i in range(1, len(words) - n + 1):
                if any(taken[i : i + n]) or tuple(w.key for w in words[i : i + n]) != key:
                    continue
                if words[i - 1].text.lower() != "the" or not all(w.capitalised for w in words[i : i + n]):
                    continue
                start, end = words[i].start, words[i + n - 1].end
                surface = source.text[start:end]
                if len({law.iri for law in laws}) > 1:
                    found.questions.append(
                        Question(
                            surface,
                            start,
                            end,
                            sorted({law.iri for law in laws}),
                            0.5,
                            "short name of several laws",
                        )
                    )
                else:
                    found.mentions.append(
                        Mention(laws[0].iri, start, end, surface, 0.85, f'short name of "{laws[0].label}"')
                    )
                taken[i : i + n] = [True] * n

    def _posts(self, source: SourceText, found: Found) -> None:
        """A post names its body: "Foreign Minister" -> "Ministry of Foreign Affairs", "Minister of Culture
        and Information" -> "Ministry of Culture and Information"."""
        fields = self.lexicon.minister_fields
        pattern = re.compile(
            r"\b(?:(?P<field>" + "|".join(map(re.escape, fields)) + r")\s+Minister\b"
            r"|Minister\s+of\s+(?P<of>[A-Z][\w-]*(?:\s+(?:and\s+)?[A-Z][\w-]*)*))"
        )
        for match in pattern.finditer(source.text):
            name = "Ministry of " + (
                fields[match.group("field")] if match.group("field") else match.group("of")
            )
            labels = self.index.get(tuple(w.key for w in tokens(name)), [])
            entities = {lab.entity.iri: lab.entity for lab in labels}
            if len(entities) == 1:
                entity = next(iter(entities.values()))
                found.mentions.append(
                    Mention(
                        entity.iri,
                        match.start(),
                        match.end(),
                        match.group(),
                        0.8,
                        f'post of the "{entity.label}"',
                    )
                )

    def _fuzzy(self, source: SourceText, words: list[Token], taken: list[bool], found: Found) -> None:
        """Labels within a small edit distance of a stretch of words of the same length."""
        if not self.fuzzy_labels or not words:
            return
        text_keys = sorted({w.key for w, t in zip(words, taken, strict=True) if not t and w.capitalised})
        first_keys = sorted({lab.words[0].key for lab in self.fuzzy_labels})
        if not text_keys:
            return
        # Which text words come near each label's first word (rapidfuzz loops over the words in C).
        similar: dict[str, set[str]] = {
            key: {
                hit[0]
                for hit in process.extract(key, text_keys, scorer=fuzz.ratio, score_cutoff=70, limit=None)
            }
            for key in first_keys
        }
        positions: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            if not taken[i] and w.capitalised:
                positions.setdefault(w.key, []).append(i)
        best: dict[tuple[int, int], tuple[float, _Label]] = {}
        for lab in self.fuzzy_labels:
            n, target = len(lab.words), " ".join(lab.keys)
            for key in similar.get(lab.words[0].key, ()):
                for i in positions.get(key, ()):
                    if (
                        any(taken[i : i + n])
                        or i + n > len(words)
                        or not _contiguous(source.text, words[i : i + n])
                    ):
                        continue
                    window = words[i : i + n]
                    if not all(map(_case_fits, lab.words, window)):
                        continue
                    ratio = fuzz.ratio(target, " ".join(w.key for w in window))
                    if (
                        ratio < (ASK_RATIO if n > 1 else ASK_RATIO_ONE_WORD)
                        or ratio <= best.get((i, n), (0.0, lab))[0]
                    ):
                        continue
                    # every word must be near its counterpart ("Minister joins" is not "Minister Tazhin")
                    if n == 1 and abs(len(window[0].key) - len(lab.words[0].key)) > 1:
                        continue
                    if all(fuzz.ratio(a.key, b.key) >= 60 for a, b in zip(lab.words, window, strict=True)):
                        best[(i, n)] = (ratio, lab)
        for (i, n), (ratio, lab) in sorted(best.items()):
            if any(taken[i : i + n]):
                continue
            start, end = words[i].start, words[i + n - 1].end
            surface = source.text[start:end]
            if ratio >= LINK_RATIO:
                score = round(ratio / 100 * 0.95, 2)
                found.mentions.append(
                    Mention(lab.entity.iri, start, end, surface, score, f'close to "{lab.text}"')
                )
                taken[i : i + n] = [True] * n
            else:
                found.questions.append(
                    Question(
                        surface,
                        start,
                        end,
                        [lab.entity.iri],
                        round(ratio / 100 * 0.8, 2),
                        f'spelling close to "{lab.text}" ({ratio:.0f}/100)',
                    )
                )

    def _surnames(self, source: SourceText, words: list[Token], taken: list[bool], found: Found) -> None:
        named = {m.iri for m in found.mentions}
        surname_keys = sorted(self.surnames)
        for i, w in enumerate(words):
            if taken[i] or not w.capitalised or len(w.text) < 4:
                continue
            people = self.surnames.get(w.key, [])
            near = ""
            if not people and surname_keys:
                hit = process.extractOne(w.key, surname_keys, scorer=fuzz.ratio, score_cutoff=85)
                if hit:
                    people, near = self.surnames[hit[0]], f" (spelling {hit[1]:.0f}/100)"
            if not people:
                continue
            known = [p for p in people if p.iri in named]
            if len(people) == 1 and known and not near:
                found.mentions.append(
                    Mention(
                        people[0].iri,
                        w.start,
                        w.end,
                        w.text,
                        0.85,
                        f'surname of "{people[0].label}", named in full here',
                    )
                )
            else:
                found.questions.append(
                    Question(
                        w.text,
                        w.start,
                        w.end,
                        sorted(p.iri for p in people),
                        0.6 if not near else 0.5,
                        "surname alone" + near,
                    )
                )
            taken[i] = True

    def _articles(self, source: SourceText, found: Found) -> None:
        """ "Article 293 of the Criminal Code of Kazakhstan", "the Constitution ..., Article 20 of which"."""
        laws = [m for m in found.mentions if "law" in self.graph.entities[m.iri].kinds]
        law_at = {m.start: m for m in laws}
        for match in _ARTICLE.finditer(source.text):
            law = law_at.get(match.end())
            end = law.end if law else match.end()
            found.articles.append(
                (
                    match.start(),
                    end,
                    match.group("n"),
                    law.iri if law else None,
                    law.start if law else match.end(),
                    end,
                )
            )
            if law:
                self._provision(source, match.start(), law, match.group("n"), found)
        for law in laws:
            tail = _ARTICLE_OF_WHICH.match(source.text[law.end : law.end + 40])
            if tail:
                found.articles.append(
                    (law.start, law.end + tail.end(), tail.group("n"), law.iri, law.start, law.end)
                )
                self._provision(source, law.start, law, tail.group("n"), found, law.end + tail.end())

    def _provision(
        self, source: SourceText, start: int, law: Mention, article: str, found: Found, end: int | None = None
    ) -> None:
        provision = self.graph.provision(law.iri, article)
        if provision is not None:
            end = end or law.end
            found.mentions.append(
                Mention(
                    provision.iri,
                    start,
                    end,
                    source.text[start:end],
                    law.score,
                    f"article {article} of the law",
                )
            )


def _back_reference(label: str) -> bool:
    """ "the region", "the government building": a description that starts with an article."""
    first = label.split(maxsplit=1)[0].lower() if label.strip() else ""
    return first in ("the", "a", "an") and not any(ch.isupper() for ch in label)


def _fuzzy_worthy(label: _Label) -> bool:
    """Labels worth a fuzzy search: names (capitalised first word) of two words or more, or one long word."""
    words = label.words
    return words[0].capitalised and (len(words) >= 2 or len(words[0].text) >= 6) and len(words) <= 8


def _contiguous(text: str, words: Iterable[Token]) -> bool:
    """Words of one name: separated by spaces, hyphens, slashes, dots or quotes only (not a comma or a full
    stop and a new sentence)."""
    words = list(words)
    return all(
        re.fullmatch(r"[\s\-/.’'“”\"«»]{0,3}", text[a.end : b.start])
        for a, b in zip(words, words[1:], strict=False)
    )


def _score(label: str, surface: str) -> float:
    if surface == label:
        return 1.0
    if fold(surface) == fold(label) or _letters(surface) == _letters(label):
        return 0.97
    return 0.93


def _letters(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())
