"""The reading side of an rdflib ``Graph`` over a pyoxigraph store: the union of its graphs, terms in and out
as rdflib terms.

Code written against rdflib's graph API (the CSV tables, the quote check, the naming of blank nodes) runs
on it unchanged, while the triples stay in the store: at a million triples an rdflib copy of the data would
cost ten seconds and a gigabyte. Each call is one indexed lookup in the store. An ill-typed literal read
makes rdflib log a traceback: callers that may meet one read inside :func:`mediakg.graph.parse.quiet_rdflib`
(once around the whole job: toggling it per call costs more than the lookups).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from rdflib.term import BNode, Literal, Node

from mediakg.graph.terms import oxigraph_to_rdflib, rdflib_to_oxigraph

#: Lookups remembered per view: the tables ask for the same labels (a place, a type) again and again.
CACHE_SIZE = 1 << 16


class StoreGraph:
    """The union of the graphs of ``store`` with rdflib's ``Graph`` reading methods (each triple once). The
    store must not change while the view is used: answers are remembered."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._outgoing = functools.lru_cache(CACHE_SIZE)(self._find_outgoing)
        self._subjects = functools.lru_cache(CACHE_SIZE)(self._find_subjects)

    def _match(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[ox.Quad]:
        if isinstance(s, Literal) or isinstance(p, Literal | BNode):  # no triple has one there
            return iter(())
        return self.store.quads_for_pattern(
            None if s is None else rdflib_to_oxigraph(s),
            None if p is None else rdflib_to_oxigraph(p),
            None if o is None else rdflib_to_oxigraph(o),
        )

    def _find_outgoing(self, s: Node) -> dict[str, dict[Any, None] | tuple[Node, ...]]:
        """Predicate IRI -> objects of every triple of subject ``s``: one lookup answers all the questions
        about a node (a table row asks a dozen about each). Objects are converted to rdflib when asked for."""
        found: dict[str, dict[Any, None] | tuple[Node, ...]] = {}
        for q in self._match(s, None, None):
            found.setdefault(q.predicate.value, {})[q.object] = None  # type: ignore[index]
        return found

    def _outgoing_objects(self, s: Node, predicate: str) -> tuple[Node, ...]:
        outgoing = self._outgoing(s)
        objects = outgoing.get(predicate, ())
        if isinstance(objects, dict):  # first asked: convert once
            objects = outgoing[predicate] = tuple(oxigraph_to_rdflib(t) for t in objects)
        return objects

    def _find_subjects(self, p: Node | None, o: Node | None) -> tuple[Node, ...]:
        return tuple(oxigraph_to_rdflib(t) for t in dict.fromkeys(q.subject for q in self._match(None, p, o)))

    def subjects(self, predicate: Node | None = None, object: Node | None = None) -> Iterator[Node]:  # noqa: A002
        """Subjects of the triples ``(?, predicate, object)``, each once."""
        if predicate is None and object is None:  # the whole store: not worth remembering
            return iter(self._find_subjects(None, None))
        return iter(self._subjects(predicate, object))

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        """Objects of the triples ``(subject, predicate, ?)``, each once."""
        if subject is None:
            return (
                oxigraph_to_rdflib(t)
                for t in dict.fromkeys(q.object for q in self._match(None, predicate, None))
            )
        if predicate is not None:
            return iter(self._outgoing_objects(subject, str(predicate)))
        outgoing = [self._outgoing_objects(subject, p) for p in self._outgoing(subject)]
        return iter(dict.fromkeys(o for objects in outgoing for o in objects))

    def subject_predicates(self, object: Node | None = None) -> Iterator[tuple[Node, Node]]:  # noqa: A002
        """(subject, predicate) of the triples whose object is ``object``, each pair once."""
        pairs = dict.fromkeys((q.subject, q.predicate) for q in self._match(None, None, object))
        for s, p in pairs:
            yield oxigraph_to_rdflib(s), oxigraph_to_rdflib(p)

    def value(self, subject: Node | None = None, predicate: Node | None = None) -> Node | None:
        """One object of ``(subject, predicate, ?)``, or None."""
        return next(self.objects(subject, predicate), None)

    def transitive_subjects(self, predicate: Node, object: Node) -> Iterator[Node]:  # noqa: A002
        """``object`` and every subject reaching it through ``predicate`` steps (``^predicate*``)."""
        seen = {object}
        todo = [object]
        yield object
        while todo:
            for subject in self.subjects(predicate, todo.pop()):
                if subject not in seen:
                    seen.add(subject)
                    todo.append(subject)
                    yield subject
