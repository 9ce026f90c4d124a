"""A named question answered through the executor, and the one JSON encoding of its answer.

The API (``/api/<name>``) and ``mediakg query`` both call :func:`ask`: the question's parameters are typed
and bound (:func:`~mediakg.questions.catalogue.bind_params`), the query runs through an
:class:`~mediakg.query.base.Executor` (its limits, sandbox and binding), and the SPARQL JSON answer becomes
the document ``{"question", "params", "columns", "rows": [{column: cell}]}`` with cells
``{"value", "type": "iri"|"literal"|"bnode", "datatype", "lang", "label"}``. IRIs carry the label of their
``<column>Label`` column or, failing that, one looked up in the store. The command line prints that
document, or a table or CSV made from it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from mediakg import formats
from mediakg.graph.namespaces import PREFIXES
from mediakg.graph.terms import qname
from mediakg.query.base import Executor
from mediakg.questions.catalogue import Question, bind_params, effective_params

XSD_STRING = PREFIXES["xsd"] + "string"
RDF_LANG_STRING = PREFIXES["rdf"] + "langString"
# IRIs that may be written into the label lookup query as they are (they come from the store).
_SAFE_IRI = re.compile(r'^[^\s<>"{}|^`\\]+$')


def cell(binding: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A SPARQL JSON binding as an answer cell (a language-tagged literal is an rdf:langString)."""
    if binding is None:
        return None
    kind = binding.get("type")
    if kind == "uri":
        return {"value": binding["value"], "type": "iri"}
    if kind == "bnode":
        return {"value": binding["value"], "type": "bnode"}
    out: dict[str, Any] = {"value": binding["value"], "type": "literal"}
    if "xml:lang" in binding:
        out["lang"] = binding["xml:lang"]
        out["datatype"] = RDF_LANG_STRING
    else:
        out["datatype"] = binding.get("datatype", XSD_STRING)
    return out


def rows_from_sparql_json(doc: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and answer rows of a SPARQL JSON results document; IRIs get the label of their ``…Label``
    column."""
    columns = list(doc.get("head", {}).get("vars", []))
    rows = []
    for binding in doc.get("results", {}).get("bindings", []):
        row = {col: cell(binding.get(col)) for col in columns}
        for col, value in row.items():
            label = binding.get(f"{col}Label")
            if value and value["type"] == "iri" and label and label.get("type") == "literal":
                value["label"] = label["value"]
        rows.append(row)
    return columns, rows


def label_query(iris: list[str]) -> str:
    """SELECT of an English label (skos:prefLabel, else rdfs:label, else dct:title) for each IRI."""
    values = " ".join(f"<{iri}>" for iri in iris)
    return f"""PREFIX skos: <{PREFIXES["skos"]}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
PREFIX dct: <{PREFIXES["dct"]}>
SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{
  VALUES ?s {{ {values} }}
  OPTIONAL {{ ?s skos:prefLabel ?pref FILTER(LANGMATCHES(LANG(?pref), "en")) }}
  OPTIONAL {{ ?s rdfs:label ?rdfs FILTER(LANG(?rdfs) = "" || LANGMATCHES(LANG(?rdfs), "en")) }}
  OPTIONAL {{ ?s dct:title ?title }}
  BIND(COALESCE(?pref, ?rdfs, ?title) AS ?l)
  FILTER(BOUND(?l))
}} GROUP BY ?s"""


async def fill_labels(executor: Executor, rows: list[dict[str, Any]], client: str | None = None) -> None:
    """Give IRIs that have no label column a label looked up in the store (one query for all of them)."""
    unlabelled = [c for row in rows for c in row.values() if c and c["type"] == "iri" and "label" not in c]
    missing = sorted({c["value"] for c in unlabelled if _SAFE_IRI.match(c["value"])})
    if not missing:
        return
    result = await executor.run(
        label_query(missing), result_format=formats.SPARQL_JSON, lane="internal", client=client
    )
    bindings = json.loads(result.body)["results"]["bindings"]
    labels = {b["s"]["value"]: b["label"]["value"] for b in bindings if "label" in b}
    for c in unlabelled:
        if c["value"] in labels:
            c["label"] = labels[c["value"]]


async def ask(
    executor: Executor,
    question: Question,
    raw: Mapping[str, str] | None = None,
    *,
    media_type: str | None = None,
    client: str | None = None,
) -> tuple[dict[str, Any] | None, Any]:
    """Answer ``question`` with the raw parameter values; ``(document, outcome)``.

    With ``media_type`` None the answer is the JSON document (see the module docstring) and the outcome the
    executor's; with a SPARQL results media type the document is None and the outcome holds the store's
    serialisation. Raises ParamError for a bad value, and the executor's errors.
    """
    bound = bind_params(question, raw)
    fmt = media_type or formats.SPARQL_JSON
    outcome = await executor.run(
        question.sparql, result_format=fmt, bindings=bound, lane="internal", client=client
    )
    if media_type is not None:
        return None, outcome
    columns, rows = rows_from_sparql_json(json.loads(outcome.body))
    await fill_labels(executor, rows, client)
    doc: dict[str, Any] = {
        "question": question.name,
        "params": effective_params(question, raw),
        "columns": columns,
        "rows": rows,
    }
    if outcome.truncated:
        doc["truncated"] = outcome.truncation or True
    return doc, outcome


# ----------------------------------------------------------------------------------------------------------
# The answer as text
# ----------------------------------------------------------------------------------------------------------


def shown(value: dict[str, Any] | None, iris: bool = False) -> str:
    """A cell for people: its label (else a prefixed name) for IRIs, unless ``iris``; the text of
    literals."""
    if value is None:
        return ""
    if value["type"] == "iri":
        return qname(value["value"]) if iris or "label" not in value else value["label"]
    return " ".join(str(value["value"]).split())


def format_table(doc: Mapping[str, Any], width: int | None = None, iris: bool = False) -> str:
    """The answer for a terminal ``width`` columns wide (default: the terminal's): labels, not IRIs, unless
    ``iris``; the ``…Label`` columns left out (their IRI column shows the label). A table when it fits,
    else one block of ``column | value`` lines per row (as psql's expanded display), values wrapped."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    columns = [
        c for c in doc["columns"] if not (c.endswith("Label") and c[: -len("Label")] in doc["columns"])
    ]
    cells = [[shown(row.get(c), iris) for c in columns] for row in doc["rows"]]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    n = len(doc["rows"])
    footer = f"({n} row{'s' if n != 1 else ''}{', cut by a limit' if doc.get('truncated') else ''})"
    if sum(widths) + 2 * (len(widths) - 1) <= width:
        lines = [_line(columns, widths), "  ".join("-" * w for w in widths)] + [
            _line(r, widths) for r in cells
        ]
    else:
        lines = _expanded(columns, cells, width)
    return "\n".join([*lines, footer]) + "\n"


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()


def _expanded(columns: Sequence[str], cells: Sequence[Sequence[str]], width: int) -> list[str]:
    """Rows as blocks of ``column | value`` lines, values wrapped to fit ``width``."""
    name_width = max(len(c) for c in columns)
    room = max(width - name_width - 3, 20)
    lines = []
    for number, row in enumerate(cells, 1):
        lines.append(f"-[ row {number} ]".ljust(min(width, 40), "-"))
        for column, value in zip(columns, row, strict=True):
            parts = textwrap.wrap(value, room) or [""]
            lines.append(f"{column.ljust(name_width)} | {parts[0]}")
            lines += [f"{'':{name_width}} | {part}" for part in parts[1:]]
    return lines


def format_csv(doc: Mapping[str, Any]) -> str:
    """CSV with a header line and full IRIs / literal values (as the SPARQL CSV results format)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(doc["columns"])
    writer.writerows(
        [["" if row.get(c) is None else row[c]["value"] for c in doc["columns"]] for row in doc["rows"]]
    )
    return buf.getvalue()


def format_json(doc: Mapping[str, Any]) -> str:
    """The answer document as indented JSON."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
