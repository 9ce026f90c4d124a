"""Answer a named question in the test process, on a pyoxigraph store or an rdflib graph: an oracle to
compare the product's answers with (the product runs questions only through its executor)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from mediakg.graph.terms import oxigraph_to_rdflib, plain, to_oxigraph, to_rdflib
from mediakg.questions.catalogue import Question, bind_params

Rows = list[tuple[Node | None, ...]]


def run_question(
    store: Any, question: Question, params: Mapping[str, str] | None = None
) -> tuple[list[str], Rows]:
    """Columns and rows (rdflib terms, None where unbound) of ``question`` on ``store``, the default graph
    being the union of all graphs; parameters bound as pyoxigraph substitutions or rdflib initBindings."""
    bound = bind_params(question, params)
    if isinstance(store, ox.Store):
        solutions = store.query(
            question.sparql,
            substitutions={ox.Variable(k): to_oxigraph(v) for k, v in bound.items()},
            use_default_graph_as_union=True,
        )
        columns = [v.value for v in solutions.variables]
        return columns, [tuple(oxigraph_to_rdflib(s[c]) for c in columns) for s in solutions]
    result = store.query(question.sparql, initBindings={k: to_rdflib(v) for k, v in bound.items()})
    columns = [str(v) for v in result.vars]
    return columns, [tuple(plain(row[c]) for c in columns) for row in result]
