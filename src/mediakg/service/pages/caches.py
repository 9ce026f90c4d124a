"""Every cache the pages keep in the web process, in one place.

All of them hold what is derived from one build (or, for the shapes, from the files of ``shapes/``) and are
keyed by its fingerprint, so a new build is never answered from an old one. The executor's answer cache
(:mod:`mediakg.query.base`) already keeps query answers per build; these keep what is parsed or computed
from them, where doing it again on every page would cost more than the query:

- :data:`DESCRIPTIONS`: an entity's description as an rdflib graph (the HTML page and four RDF formats of an
  entity cost one query and one parse), least recently used dropped first;
- :data:`ONTOLOGY`: the ontology graph and the names of its terms;
- :data:`SHAPES`: the SHACL shapes graph;
- :data:`NAMES`: the search index of every entity's names.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Latest(Generic[T]):
    """One value for the latest key only (a new build replaces the old one's value)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Hashable | None = None
        self._value: T | None = None

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            return self._value if self._key == key else None

    def put(self, key: Hashable, value: T) -> T:
        with self._lock:
            self._key, self._value = key, value
        return value

    def clear(self) -> None:
        with self._lock:
            self._key = self._value = None


class Lru(Generic[T]):
    """At most ``size`` values, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            if key not in self._values:
                return None
            self._values.move_to_end(key)
            return self._values[key]

    def put(self, key: Hashable, value: T) -> T:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


#: (build fingerprint, entity IRI) -> rdflib Graph of its description.
DESCRIPTIONS: Lru = Lru(512)
#: build fingerprint -> (ontology Graph, {term IRI: label}).
ONTOLOGY: Latest = Latest()
#: (file, mtime) of every shapes file -> shapes Graph.
SHAPES: Latest = Latest()
#: build fingerprint -> search.NameIndex.
NAMES: Latest = Latest()
