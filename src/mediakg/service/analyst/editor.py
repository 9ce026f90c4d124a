"""The SPARQL editor for browsers at ``/sparql`` (the HTML answer of the endpoint's service description).

YASGUI (vendored, ``web/README.md``) preset to this endpoint and the project's prefixes, with every named
question of ``queries/`` as an example (its parameters bound to their defaults by a ``VALUES`` row, as the
API runs it). The page is only the HTML branch of :mod:`mediakg.service.sparql_endpoint`: protocol clients,
which do not ask for ``text/html``, get the protocol's answers as before.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from mediakg.graph.namespaces import ID_BASE, PREFIXES
from mediakg.query.base import StoreInfo
from mediakg.questions.catalogue import Question, bind_params
from mediakg.service.analyst.common import render_text
from mediakg.store.bind import inject_values

#: The example the editor opens with (a count per incident type: a table and a chart).
FIRST_EXAMPLE = "incidents-by-type"


def example_text(question: Question) -> str:
    """The question's SPARQL with its parameters' defaults bound by a ``VALUES`` row (as the API runs it)."""
    bound = bind_params(question, {})
    if not bound:
        return question.sparql
    note = (
        "# Parameters bound to their defaults by the VALUES row at the start of WHERE; change them there.\n"
    )
    return note + inject_values(question.sparql, bound)


def examples(questions: Mapping[str, Question]) -> tuple[dict[str, Any], ...]:
    """Every named question as an editor example: name, title and query text (made once per set of
    questions: an app serves one)."""
    return _examples(tuple(questions.values()))


@functools.lru_cache(maxsize=4)
def _examples(questions: tuple[Question, ...]) -> tuple[dict[str, Any], ...]:
    return tuple({"name": q.name, "title": q.title, "query": example_text(q)} for q in questions)


def page_html(endpoint: str, info: StoreInfo | None, questions: Mapping[str, Question]) -> str:
    """The editor page for the endpoint at the absolute URL ``endpoint`` (``http://host/root/sparql``),
    with ``questions`` as its examples."""
    path = endpoint.split("://", 1)[-1].partition("/")[2]
    root = ("/" + path).removesuffix("/sparql").rstrip("/")
    listed = examples(questions)
    first = next((e for e in listed if e["name"] == FIRST_EXAMPLE), listed[0] if listed else None)
    config = {
        "endpoint": endpoint,
        "base": ID_BASE,
        "pages": f"{root}/id/",
        "prefixes": PREFIXES,
        "examples": list(listed),
        "first": first["name"] if first else None,
    }
    return render_text(
        root,
        "editor.html",
        {"title": "SPARQL editor", "endpoint": endpoint, "info": info, "config": config, "examples": listed},
    )
