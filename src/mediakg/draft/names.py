"""Names in the text that the graph does not know: people, organisations, places, laws and provisions,
each with a suggested class and IRI, and the reason for the class (words around the name, its head word).
These are proposals with nothing but the text behind them; the reviewer decides."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from mediakg.draft.entities import Found, Question
from mediakg.draft.graph import ID, GraphView
from mediakg.draft.lexicon import Lexicon
from mediakg.draft.normalise import Token, skeleton, slug, tokens
from mediakg.draft.source import SourceText

_LAW_PATTERNS = [
    (
        re.compile(
            r"\b(?:[Dd]raft\s+)?[Ll]aw(?:\s+of\s+the\s+Republic\s+of\s+[A-Z]\w+)?\s*[“\"«]\s*On\s+[^”\"»]{3,80}[”\"»]"
        ),
        "law",
    ),
    (re.compile(r"\b[Ll]aw\s+on\s+[A-Z][\w-]*(?:\s+(?:and\s+)?[A-Z][\w-]*)*"), "law"),
    (
        re.compile(
            r"\b(?:Criminal|Administrative|Civil|Tax|Labour|Labor|Land|Penal|Electoral)\s+(?:Procedure\s+)?Code"
            r"(?:\s+of\s+(?:the\s+)?(?:Republic\s+of\s+)?[A-Z]\w+)?"
        ),
        "code",
    ),
    (re.compile(r"\bConstitution(?:\s+of\s+(?:the\s+)?(?:Republic\s+of\s+)?[A-Z]\w+)?"), "constitution"),
]


@dataclass
class NewEntity:
    """A proposed entity the graph does not have yet."""

    label: str
    cls: str  # mkg: class local name
    kind: str  # IRI kind: person, org, place, law, provision
    why: str
    mentions: list[tuple[int, int, str]] = field(default_factory=list)
    iri: str = ""
    law_type: str | None = None  # law-type concept slug, for laws
    law: str | None = None  # a provision's law IRI
    article: str | None = None

    @property
    def key(self) -> str:
        return " ".join(w.key for w in tokens(self.label))

    @property
    def spellings(self) -> list[str]:
        return list(dict.fromkeys(surface for _, _, surface in self.mentions))


class NameFinder:
    """Finds the names a text gives that the graph does not know."""

    def __init__(self, graph: GraphView, lexicon: Lexicon) -> None:
        self.graph = graph
        self.lex = lexicon
        self.not_names = set(lexicon.names("not_names"))
        self.connectors = set(lexicon.names("connectors"))
        self.titles = set(lexicon.names("person_titles"))
        self.heads = {
            cls: lexicon.names(key)
            for cls, key in (
                ("MediaOutlet", "media_outlet"),
                ("IntergovernmentalBody", "intergovernmental"),
                ("StateBody", "state_body"),
                ("NonGovernmentalOrganization", "ngo"),
            )
        }

    def find(self, source: SourceText, found: Found) -> tuple[list[NewEntity], list[Question]]:
        """New entities named in ``source`` outside the known mentions ``found``, and questions where a new
        name is close to another one."""
        laws = self._laws(source, found)
        size = len(source.text)
        covered = _mask(size, [(m.start, m.end) for m in found.mentions])
        covered = _mask(size, [(s, e) for law in laws for s, e, _ in law.mentions], covered)
        places = _mask(
            size, [(m.start, m.end) for m in found.mentions if "place" in self.graph.entities[m.iri].kinds]
        )
        skipped = _mask(size, [(ln.start, ln.end) for ln in source.lines if self.lex.is_furniture(ln.body)])
        skipped = _mask(size, [(e.start, e.end) for e in source.episodes if e.skip == "menu"], skipped)
        words = [w for w in tokens(source.text) if not skipped[w.start]]
        proposals = laws + self._provisions(source, found, laws) + self._quoted(source, covered)
        covered = _mask(size, [(s, e) for p in proposals for s, e, _ in p.mentions], covered)
        for run in self._runs(source, words, covered, places):
            proposal = self._classify(source, run)
            if proposal is not None:
                proposals.append(proposal)
        merged, questions = self._merge(proposals)
        for entity in sorted(merged, key=lambda e: e.kind == "provision"):  # laws get IRIs before provisions
            if (entity.law or "").startswith("new-at:"):
                at = int(entity.law[7:])  # type: ignore[index]
                entity.law = next(
                    (n.iri for n in merged if n.kind == "law" and any(s == at for s, _, _ in n.mentions)),
                    None,
                )
            entity.iri = self._iri(entity)
        return merged, questions

    # --------------------------------------------------------------------------------------------- laws

    def _laws(self, source: SourceText, found: Found) -> list[NewEntity]:
        out: list[NewEntity] = []
        known_laws = [m for m in found.mentions if "law" in self.graph.entities[m.iri].kinds]
        taken: list[tuple[int, int]] = [(m.start, m.end) for m in known_laws]
        for pattern, law_type in _LAW_PATTERNS:
            for match in pattern.finditer(source.text):
                start, end = match.start(), match.end()
                if any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                label = match.group()
                if label[0].islower():
                    label = label[0].upper() + label[1:]
                out.append(
                    NewEntity(
                        label,
                        "Law",
                        "law",
                        f"a {law_type} named in the text",
                        [(start, end, match.group())],
                        law_type=law_type,
                    )
                )
        return out

    def _provisions(self, source: SourceText, found: Found, laws: list[NewEntity]) -> list[NewEntity]:
        out = []
        known = {(m.start, m.end) for m in found.mentions}
        law_at = {n.mentions[0][0]: n for n in laws}
        for start, end, number, law_iri, law_start, _law_end in found.articles:
            if (start, end) in known:
                continue  # a provision the graph has
            law = law_iri
            law_label = self.graph.entities[law_iri].label if law_iri else None
            if law is None:
                new_law = law_at.get(law_start)
                if new_law is None:
                    continue
                law, law_label = f"new-at:{new_law.mentions[0][0]}", new_law.label
                end = new_law.mentions[0][1]
            label = f"Article {number} of the {re.sub(r'^the ', '', law_label or '')}"
            out.append(
                NewEntity(
                    label,
                    "LegalProvision",
                    "provision",
                    "an article of a law named in the text",
                    [(start, end, source.text[start:end])],
                    law=law,
                    article=number,
                )
            )
        return out

    # --------------------------------------------------------------------------------------------- names

    def _quoted(self, source: SourceText, covered: bytearray) -> list[NewEntity]:
        """Names in quotes after an organisation word: PF “Charter for Human Rights”, newspaper "Vremya"."""
        out = []
        for cls, heads in self.heads.items():
            words = "|".join(re.escape(h) for h in heads if h.isalpha())
            pattern = rf"(?<!\w)(?:{words})\s*[“\"«]\s*([A-ZА-ЯЁҚӘ][^”\"»“]{{1,60}}?)\s*[”\"»]"
            for match in re.finditer(pattern, source.text):
                start, end = match.start(1), match.end(1)
                if not any(covered[start:end]):
                    surface = source.text[start:end]
                    out.append(
                        NewEntity(
                            surface,
                            cls,
                            "org",
                            "a name in quotes after an organisation word",
                            [(start, end, surface)],
                        )
                    )
        return out

    def _runs(
        self,
        source: SourceText,
        words: list[Token],
        covered: bytearray,
        places: bytearray,
    ) -> list[list[Token]]:
        """Capitalised words of one name: adjacent (a space, or a hyphen; a dot only after an initial),
        joined by connectors ("of", "the") inside a name; a known place may end a name after "of" ("Union of
        Journalists of Kazakhstan"). An initial starts a new name ("Security Council K. Kasymov")."""
        runs: list[list[Token]] = []
        current: list[Token] = []

        def close() -> None:
            nonlocal current
            if current:
                runs.append(current)
            current = []

        for i, word in enumerate(words):
            is_covered, in_place = bool(covered[word.start]), bool(places[word.start])
            initial = (
                len(word.text) == 1 and word.text.isupper() and source.text[word.end : word.end + 1] == "."
            )
            gap = source.text[current[-1].end : word.start] if current else ""
            joined = bool(current) and (
                gap in (" ", "-") or (gap in (".", ". ") and len(current[-1].text) == 1)
            )
            nxt = words[i + 1] if i + 1 < len(words) else None
            leads_org = (
                in_place
                and not current
                and nxt is not None
                and source.text[word.end : nxt.start] == " "
                and self._org_head([nxt]) is not None
                and not covered[nxt.start]
            )
            if (
                is_covered
                and not leads_org
                and not (in_place and current and current[-1].text in ("of", "the") and joined)
            ):
                close()
                continue
            if initial:
                if not (current and len(current[-1].text) == 1 and joined):
                    close()
                current.append(word)
            elif word.capitalised and word.text.isalpha() and len(word.text) > 1:
                if not joined:
                    close()
                current.append(word)
            elif (
                word.text in self.connectors
                and joined
                and i + 1 < len(words)
                and (words[i + 1].capitalised or words[i + 1].text in self.connectors)
            ):
                current.append(word)
            else:
                close()
        close()
        return [r for r in (self._trim(r) for r in runs) if r]

    def _trim(self, run: list[Token]) -> list[Token]:
        while run and (
            run[0].text in self.not_names and not self._org_head(run[:1]) or run[0].text in self.connectors
        ):
            run = run[1:]
        while run and (
            run[-1].text in self.connectors
            or run[-1].text in self.not_names
            and len(run) > 1
            and not self._org_head(run[-1:])
        ):
            run = run[:-1]
        return run

    def _org_head(self, run: list[Token]) -> str | None:
        text = " ".join(w.text for w in run)
        for cls, heads in self.heads.items():
            if any(re.search(rf"(?<!\w){re.escape(h)}(?!\w)", text) for h in heads):
                return cls
        return None

    def _classify(self, source: SourceText, run: list[Token]) -> NewEntity | None:
        start, end = run[0].start, run[-1].end
        # a place word right after the name belongs to it ("Aktobe region")
        after = re.match(r"\s+(\w+)", source.text[end : end + 20])
        if after and after.group(1) in self.lex.names("place_after") and len(run) > 1:
            end += after.end()
        surface = source.text[start:end]
        head = self._org_head(run)
        word_before = re.search(r"(\w+)\s+$", source.text[max(0, start - 30) : start])
        if not head and word_before and word_before.group(1) in self.lex.names("media_outlet"):
            return NewEntity(
                surface, "MediaOutlet", "org", f'"{word_before.group(1)}" before it', [(start, end, surface)]
            )
        if head and len(run) == 1 and self._org_head(run):
            return None  # a head word alone ("Ministry", "Police") names no one in particular
        if head:
            return NewEntity(
                surface, head, "org", "its head word names a kind of organisation", [(start, end, surface)]
            )
        if re.search(r"\bof\s+(?:the\s+)?$", source.text[max(0, start - 10) : start]):
            return None  # "Minister of Internal Affairs": the field of a post, not a name
        if any(w.text in self.connectors for w in run) or all(w.text in self.not_names for w in run):
            return None
        before = source.text[max(0, start - 80) : start]
        after_text = source.text[end : end + 40]
        role = self._role(before, after_text)
        initials = len(run) >= 2 and len(run[0].text) == 1
        if 2 <= len(run) <= 4 and (role or initials):
            cls = {"journalist": "Journalist", "official": "Official"}.get(role or "", "Person")
            why = f"a {role} word next to it" if role else "initial and surname"
            return NewEntity(surface, cls, "person", why, [(start, end, surface)])
        if len(run) <= 3 and self._place_context(before, after_text):
            return NewEntity(
                surface, "Place", "place", "a place word before or after it", [(start, end, surface)]
            )
        if len(run) == 1 and run[0].text in self.titles:
            return None
        return None

    def _role(self, before: str, after: str) -> str | None:
        near_before = " ".join(re.findall(r"[\w-]+", before)[-6:])
        near_after = after.split(".")[0][:30] if after.lstrip().startswith(",") else ""
        for role, key in (
            ("journalist", "journalist_words"),
            ("official", "official_words"),
            ("person", "person_words"),
        ):
            for word in self.lex.names(key):
                if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", near_before + " " + near_after):
                    return role
        if re.search(r"\b(?:" + "|".join(self.titles) + r")\.?\s*$", before):
            return "person"
        return None

    def _place_context(self, before: str, after: str) -> bool:
        words = " ".join(re.findall(r"[\w-]+", before)[-3:])
        if any(re.search(rf"(?:^|\s){re.escape(p)}$", words) for p in self.lex.names("place_before")):
            return True
        follow = re.match(r"\s+(\w+)", after)
        return bool(follow and follow.group(1) in self.lex.names("place_after"))

    # --------------------------------------------------------------------------------------------- merge

    def _merge(self, proposals: list[NewEntity]) -> tuple[list[NewEntity], list[Question]]:
        """One entity per name (same key), a surname alone joined to the person named in full, and questions
        for names close to each other ("S. Turmagambetova: same as Shara Turmagambetova?")."""
        by_key: dict[tuple[str, str], NewEntity] = {}
        for proposal in proposals:
            key = (proposal.kind, proposal.key if proposal.kind != "law" else _law_key(proposal.label))
            if key in by_key:
                kept = by_key[key]
                kept.mentions += proposal.mentions
                if len(proposal.label) > len(kept.label):
                    kept.label = proposal.label
            else:
                by_key[key] = proposal
        entities = list(by_key.values())
        people = [e for e in entities if e.kind == "person"]
        questions: list[Question] = []
        for person in list(people):
            words = tokens(person.label)
            if len(words) >= 2 and len(words[0].text) == 1:
                full = [
                    p
                    for p in people
                    if p is not person
                    and len(tokens(p.label)[0].text) > 1
                    and tokens(p.label)[-1].key == words[-1].key
                ]
                if len(full) == 1 and tokens(full[0].label)[0].key[:1] == words[0].key[:1]:
                    full[0].mentions += person.mentions
                    entities.remove(person)
                    people.remove(person)
                elif full:
                    questions.append(
                        Question(
                            person.label,
                            person.mentions[0][0],
                            person.mentions[0][1],
                            [f"new:{p.label}" for p in full],
                            0.5,
                            "same surname, other initial",
                        )
                    )
        blocks: dict[str, list[NewEntity]] = {}
        for person in people:  # close spellings share the surname's first letters: compare within blocks
            blocks.setdefault(tokens(person.label)[-1].key[:2], []).append(person)
        for block in blocks.values():
            for n, a in enumerate(block[:300]):
                for b in block[n + 1 : 300]:
                    ratio = fuzz.ratio(a.key, b.key)
                    if 85 <= ratio < 100:
                        where = b.mentions[0]
                        why = f"close spelling ({ratio:.0f}/100)"
                        questions.append(
                            Question(b.label, where[0], where[1], [f"new:{a.label}"], ratio / 100, why)
                        )
        return entities, questions

    def _iri(self, entity: NewEntity) -> str:
        if entity.kind == "provision":
            law_slug = (entity.law or "law").rsplit("/", 1)[-1]
            base = f"{ID}provision/{law_slug}-art-{slug(entity.article or '')}"
        else:
            base = f"{ID}{entity.kind}/{slug(entity.label)}"
        iri, n = base, 2
        while iri in self.graph.entities:
            iri, n = f"{base}-{n}", n + 1
        return iri


def _mask(size: int, spans: list[tuple[int, int]], mask: bytearray | None = None) -> bytearray:
    """One byte per character of the text, set inside the spans (a lookup per word, not a scan)."""
    mask = bytearray(size) if mask is None else mask
    for start, end in spans:
        mask[start:end] = b"\1" * (end - start)
    return mask


def _law_key(label: str) -> str:
    """Laws named in several ways share a key: the words before "of" ("Criminal Code of the Republic of
    Kazakhstan", "Criminal Code of Kazakhstan"), or the title "On ..." (law “On Mass Media”, Law on Mass
    Media)."""
    title = re.search(r"\b[Oo]n\s+([^”\"»,.]+)", label)
    if title and re.search(r"\b[Ll]aw\b", label):
        return "on " + " ".join(skeleton(w.text) for w in tokens(title.group(1)))
    head = re.split(r"\s+of\s+", re.sub(r"^(?:[Tt]he|[Dd]raft)\s+", "", label), maxsplit=1)[0]
    return " ".join(skeleton(w.text) for w in tokens(head))
