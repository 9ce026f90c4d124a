"""The ``mediakg`` command line: one sub-command per job, each implemented in its own module.

Modules are imported lazily so that ``mediakg --help`` stays fast and one broken part does not take the
others down.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from mediakg import formats
from mediakg.errors import MediakgError, UsageError

# sub-command -> "module:function"; each function takes the parsed arguments and returns an exit code.
COMMANDS: dict[str, str] = {
    "build": "mediakg.build:cmd_build",
    "validate": "mediakg.build:cmd_validate",
    "verify-quotes": "mediakg.validation.quotes:cmd_verify_quotes",
    "query": "mediakg.cli:cmd_query",
    "serve": "mediakg.service.server:cmd_serve",
    "export": "mediakg.publish.export:cmd_export",
    "load": "mediakg.store.load:cmd_load",
    "draft": "mediakg.draft.command:cmd_draft",
}


def _validator_option(p: argparse.ArgumentParser) -> None:
    # the choices and threshold live in mediakg.validation.shacl; repeated here so that --help imports nothing
    p.add_argument(
        "--validator",
        choices=["auto", "pyshacl", "oxigraph"],
        default="auto",
        help="SHACL engine: pyshacl (the reference), oxigraph (SPARQL over pyoxigraph, for large data), "
        "auto (default: pyshacl up to 50000 triples, oxigraph above)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediakg",
        description="Build, check, query and serve the mediakg knowledge graph.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="parse, merge and validate ontology + data, write build/")
    p.add_argument("--out", help="build directory (default: build/ in the project)")
    p.add_argument("--quiet", action="store_true", help="print only problems and the summary")
    p.add_argument(
        "--base-iri",
        help="base of the entity IRIs the exports describe and the service maps to /id/ "
        "(default https://w3id.org/mediakg/id/)",
    )
    _validator_option(p)

    p = sub.add_parser("validate", help="check RDF file(s) against the shapes together with the data")
    p.add_argument("files", nargs="+", metavar="FILE")
    _validator_option(p)

    p = sub.add_parser("verify-quotes", help="check that every evidence quote occurs in its source text")
    p.add_argument("--sources", help="folder of source texts (default: ../shared/sources)")

    p = sub.add_parser("query", help="run a named question (queries/NAME.rq) or a .rq file against the build")
    p.add_argument("name", metavar="NAME|FILE")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="question parameter")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--iris", action="store_true", help="table: show IRIs (prefixed) instead of labels")
    p.add_argument("--timeout", type=float, default=60.0, help="time limit in seconds (default 60)")

    p = sub.add_parser("serve", help="serve the SPARQL endpoint, the question API and the entity pages")
    # no argparse defaults: an option given wins, else MEDIAKG_SERVICE_HOST / _PORT, else 127.0.0.1:8000
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="TCP port (default 8000; 0: any free port)")
    p.add_argument(
        "--data", metavar="FILE", help="serve this RDF file (TriG, N-Quads, Turtle) or build directory"
    )
    p.add_argument("--timeout", type=float, default=None, help="query time limit in seconds (default 10)")
    p.add_argument(
        "--workers", type=int, default=None, help="standing query workers for /sparql (default 2; grows to 6)"
    )
    p.add_argument(
        "--allow-worker-network",
        action="store_const",
        const=True,
        default=None,
        help="start even where the query workers' network sandbox (seccomp) cannot be installed",
    )
    p.add_argument(
        "--base-iri", default=None, help="public base of entity IRIs (default https://w3id.org/mediakg/id/)"
    )
    p.add_argument("--endpoint", metavar="URL", help="answer from this SPARQL 1.1 endpoint instead of build/")

    p = sub.add_parser("export", help="write the dumps (Turtle, N-Triples, JSON-LD, TriG, N-Quads, CSV)")
    p.add_argument("--format", action="append", choices=formats.DUMPS)
    p.add_argument("--out", help="output directory (default: the dumps the build wrote, build/export)")
    p.set_defaults(reads_build=True)

    p = sub.add_parser("load", help="push the build atomically to a remote SPARQL 1.1 store")
    p.add_argument("--endpoint", required=True, metavar="URL", help="SPARQL endpoint (Oxigraph: .../query)")
    p.add_argument("--store-endpoint", metavar="URL", help="Graph Store endpoint (default: .../store)")
    p.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update endpoint (default: .../update)")
    p.add_argument("--file", metavar="FILE", help="load this dataset file instead of the build's dataset.nq")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(reads_build=True)
    p = sub.add_parser("draft", help="draft data/<id>.ttl from a new source text, for a person to review")
    from mediakg.draft.options import add_arguments  # no heavy imports: the options only

    add_arguments(p)
    return parser


def parse_param_args(items: Sequence[str]) -> dict[str, str]:
    """``["k=v", …]`` from ``--param`` options as a dict; raise UsageError on a missing '='."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        out[key.strip()] = value
    return out


def cmd_query(args: argparse.Namespace) -> int:
    """``mediakg query NAME|FILE [--param k=v] [--format table|csv|json]``: the question through the same
    executor as the service (a sandboxed worker, its time limit and caps), over the build (built first if
    missing or stale)."""
    import asyncio

    from mediakg.build import ensure_build
    from mediakg.paths import project_paths
    from mediakg.query.base import ExecutorConfig
    from mediakg.query.pool import WorkerPool
    from mediakg.questions import answers
    from mediakg.questions.catalogue import bind_params, find_question

    question = find_question(args.name)
    raw = parse_param_args(args.param)
    bind_params(question, raw)  # check the values before opening (or building) the store
    config = ExecutorConfig(
        timeout=args.timeout, workers=1, internal_workers=1, max_workers=1, answer_cache_mb=0
    )

    async def run() -> dict:
        pool = WorkerPool(ensure_build(project_paths()), config)
        await pool.start()
        try:
            doc, _ = await answers.ask(pool, question, raw)
            return doc  # type: ignore[return-value]
        finally:
            await pool.close()

    doc = asyncio.run(run())
    if args.format == "csv":
        sys.stdout.write(answers.format_csv(doc))
    elif args.format == "json":
        sys.stdout.write(answers.format_json(doc))
    else:
        sys.stdout.write(answers.format_table(doc, iris=args.iris))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mediakg`` console command."""
    args = _parser().parse_args(argv)
    module_name, func_name = COMMANDS[args.command].split(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
        _current_build(args)
        return int(func(args) or 0)
    except MediakgError as exc:
        print(f"mediakg {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"mediakg {args.command}: interrupted", file=sys.stderr)
        return 130


def _current_build(args: argparse.Namespace) -> None:
    """Commands that read the project's build (``export``, ``load`` without ``--file``) get it as
    ``args.build``, built first when missing or stale; the others get None."""
    args.build = None
    if getattr(args, "reads_build", False) and not getattr(args, "file", None):
        from mediakg.build import current_build

        args.build = current_build()


if __name__ == "__main__":
    sys.exit(main())
