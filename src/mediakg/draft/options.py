"""The options of ``mediakg draft``, apart from the code so that ``mediakg --help`` imports nothing heavy."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``mediakg draft`` (called by the command line's parser)."""
    parser.add_argument("text", metavar="TEXT", help="the source text (UTF-8 plain text)")
    parser.add_argument("--id", help="source id (default: the text's file name without .txt)")
    parser.add_argument("--out", metavar="FILE", help="write the draft here (default: standard output)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument(
        "--graph",
        action="append",
        metavar="PATH",
        help="the graph to match against: a build folder, an RDF file or a folder of them (repeatable; "
        "default: the project's ontology/ and data/ without data/<id>.ttl)",
    )
    parser.add_argument("--no-validate", action="store_true", help="skip the validation of the draft")
