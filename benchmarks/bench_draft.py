"""Leave-one-out benchmark of ``mediakg draft``: for each source text X, build the graph without
data/X.ttl, draft X against it, and compare the draft with the hand mapping of X.

    python benchmarks/bench_draft.py [--sources DIR] [--no-validate] [--out FILE]

Figures per source (what each counts: mediakg/draft/evaluate.py and benchmarks/README.md, "The draft
benchmark"): recall and precision of known entities linked, of dates (value and precision), of meetings, of
reported cases and of their acts (proposals paired one to one with the hand mapping's nodes), and how
many paired cases and acts agree in type and position; recall of the hand mapping's new entities among the
draft's new names; the violations the draft has with the graph (and how many of them are left to the
reviewer on purpose); seconds to draft (the graph read once, not counted) and to validate the draft with
the graph (what the command runs after).
Writes results/draft-<date>.json and results/draft-latest.md; tests/test_draft.py holds later runs to the
figures of the newest results/draft-*.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import (
    RESULTS,
    ROOT,
    git_state,
    machine_context,
    markdown_table,
    say,
    today,
    versions,
    write_json,
)

sys.path.insert(0, str(ROOT / "src"))

from mediakg.draft.command import reviewer_decides, validate_draft  # noqa: E402
from mediakg.draft.core import Drafter  # noqa: E402
from mediakg.draft.evaluate import load_gold, score  # noqa: E402
from mediakg.draft.graph import load_graph, project_files  # noqa: E402
from mediakg.draft.render import render  # noqa: E402
from mediakg.paths import ProjectPaths  # noqa: E402

COLUMNS = [
    ("known entities recall", "known_recall", "known_found", "known"),
    ("linked precision", "linked_precision", "linked_correct", "linked"),
    ("dates recall", "dates_recall", "dates_found", "dates"),
    ("dates precision", "dates_precision", "dates_found", "dates_proposed"),
    ("meetings recall", "meetings_recall", "meetings_paired", "meetings"),
    ("meetings precision", "meetings_precision", "meetings_paired", "meetings_proposed"),
    ("cases recall", "cases_recall", "cases_paired", "cases"),
    ("cases precision", "cases_precision", "cases_paired", "cases_proposed"),
    ("case types agree", "cases_type_agreement", "cases_typed", "cases_paired"),
    ("case positions agree", "cases_position_agreement", "cases_placed", "cases_paired"),
    ("acts recall", "acts_recall", "acts_paired", "acts"),
    ("acts precision", "acts_precision", "acts_paired", "acts_proposed"),
    ("act types agree", "acts_type_agreement", "acts_typed", "acts_paired"),
    ("new names recall", "new_recall", None, "new_in_hand_mapping"),
]


def run_one(source_id: str, text: Path, validate: bool) -> dict:
    """Draft one source against the graph without its data file and score it."""
    paths = ProjectPaths(ROOT)
    reduced_files = project_files(ROOT, [source_id])
    started = time.perf_counter()
    reduced = load_graph(reduced_files)
    load_s = time.perf_counter() - started
    drafter = Drafter(reduced)
    draft = drafter.draft_file(text, source_id)
    turtle = render(draft)
    figures = score(
        draft, load_gold(project_files(ROOT), ROOT / "data" / f"{source_id}.ttl", draft.source.text), reduced
    )
    figures.update(
        source=source_id,
        graph_load_s=round(load_s, 3),
        draft_s=round(draft.seconds, 3),
        turtle_lines=turtle.count("\n"),
    )
    if validate:
        review = validate_draft(turtle, draft, paths, None)
        figures.update(
            validate_s=round(review.seconds, 2),
            violations=len(review.violations),
            violations_left_to_reviewer=sum(reviewer_decides(p) is not None for p in review.violations),
            violations_other=[p.render() for p in review.violations if reviewer_decides(p) is None],
            warnings=len(review.problems) - len(review.violations),
            quote_problems=sum(p.component == "mkg:QuoteInSourceText" for p in review.problems),
        )
    return figures


def _cell(row: dict, key: str, hit: str | None, total: str | None) -> str:
    value = row.get(key)
    if value is None:
        return "–"
    shown = f"{value:.2f}"
    if total and hit:
        shown += f" ({row[hit]}/{row[total]})"
    elif total:
        shown += f" (of {row[total]})"
    return shown


def _violations(row: dict) -> str:
    if "violations" not in row:
        return "–"
    return f"{row['violations']} ({row['violations_left_to_reviewer']})"


def table(rows: list[dict]) -> str:
    header = ["source"] + [c[0] for c in COLUMNS] + ["violations (reviewer's)", "draft s", "validate s"]
    body = [
        [r["source"][:3]]
        + [_cell(r, *c[1:]) for c in COLUMNS]
        + [_violations(r), f"{r['draft_s']:.2f}", f"{r.get('validate_s', '–')}"]
        for r in rows
    ]
    pooled = {k: sum(r.get(k, 0) for r in rows) for k in ("violations", "violations_left_to_reviewer")}
    body.append(
        ["all"]
        + [_cell(totals(rows), *c[1:]) for c in COLUMNS]
        + [
            _violations(pooled if all("violations" in r for r in rows) else {}),
            f"{sum(r['draft_s'] for r in rows):.2f}",
            f"{sum(r.get('validate_s', 0) for r in rows):.1f}",
        ]
    )
    return markdown_table(header, body)


def totals(rows: list[dict]) -> dict:
    """Pooled figures over all sources (micro average: hits over totals)."""
    out: dict = {}
    for _label, key, hit, total in COLUMNS:
        if hit and total:
            h, t = sum(r[hit] for r in rows), sum(r[total] for r in rows)
            out.update({key: round(h / t, 3) if t else None, hit: h, total: t})
        else:
            values = [r[key] for r in rows if r.get(key) is not None]
            out[key] = round(sum(values) / len(values), 3) if values else None
            if total:
                out[total] = sum(r[total] for r in rows)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources")
    parser.add_argument("--no-validate", action="store_true", help="skip validating each draft (faster)")
    parser.add_argument("--out", type=Path, help=f"JSON results (default {RESULTS}/draft-<date>.json)")
    args = parser.parse_args()
    rows = []
    for data_file in sorted((ROOT / "data").glob("*.ttl")):
        text = args.sources / f"{data_file.stem}.txt"
        if not text.is_file():
            say(f"{data_file.stem}: no source text in {args.sources}, skipped")
            continue
        say(f"{data_file.stem}: drafting against the graph without data/{data_file.name}")
        rows.append(run_one(data_file.stem, text, not args.no_validate))
    result = {
        "benchmark": "draft",
        "date": today(),
        "git": git_state(),
        "versions": versions(
            ["mediakg", "rapidfuzz", "anyascii", "snowballstemmer", "pyoxigraph", "pyshacl"]
        ),
        "machine": machine_context(),
        "sources": rows,
        "all": totals(rows),
    }
    out = args.out or RESULTS / f"draft-{today()}.json"
    write_json(out, result)
    md = f"# mediakg draft, leave one out ({today()})\n\n{table(rows)}\n"
    (RESULTS / "draft-latest.md").write_text(md, encoding="utf-8")
    print(md)
    for row in rows:
        missed = {
            k: row[k]
            for k in (
                "known_missed",
                "linked_wrong",
                "dates_missed",
                "dates_extra",
                "meetings_missed",
                "cases_missed",
                "acts_missed",
                "violations_other",
            )
            if row.get(k)
        }
        if missed:
            print(f"{row['source']}: {missed}")
    say(f"wrote {out} and {RESULTS / 'draft-latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
