"""SPARQL as text: the one tokenizer, codepoint escapes, and parser messages with their position.

The tokenizer is linear and never recurses: the query gate's size filter (:mod:`mediakg.query.gate`) and the
``VALUES`` binder (:mod:`mediakg.store.bind`) read query texts with it before any parser sees them. It skips
strings, IRIs and comments, so a keyword inside them is not taken for one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from mediakg.errors import QueryRejected, QuerySyntaxError


class Token(NamedTuple):
    """A token: its kind (a group name of the tokenizer), text, and start and end offsets."""

    kind: str
    text: str
    start: int
    end: int


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>"{3}(?:[^"\\]|\\[\s\S]|"(?!""))*(?:"{3}|\Z)
              | '{3}(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'{3}|\Z)
              | "(?:[^"\\\n\r]|\\.)*"?
              | '(?:[^'\\\n\r]|\\.)*'?)
  | (?P<var>[?$]\w*)
  | (?P<bnode>_:[\w.\-]*)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w.\-:%]|\\.)*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<open>\{) | (?P<close>\}) | (?P<lparen>\() | (?P<rparen>\)) | (?P<lbracket>\[) | (?P<rbracket>\])
  | (?P<op>\^\^|&&|\|\||!=|<=|>=|[-/|^+*=<>!])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
#: Kinds of the tokens that open and close a nesting level.
OPENING = frozenset({"open", "lparen", "lbracket"})
CLOSING = frozenset({"close", "rparen", "rbracket"})
#: Kinds a reader can skip.
BLANK = frozenset({"ws", "comment"})


def tokens(text: str) -> Iterator[Token]:
    """Every token of ``text``, white space and comments included, in order."""
    for m in _TOKEN.finditer(text):
        yield Token(m.lastgroup or "other", m.group(), m.start(), m.end())


def where(text: str, offset: int) -> str:
    """``line L, column C`` of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


#: SPARQL 1.1 §19.2: \u takes exactly four hex digits, \U exactly eight (rdflib's own pass takes 4 or 8
#: after either letter, pyoxigraph decodes them inside strings and IRIs only).
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_escapes(text: str) -> str:
    """``text`` with its codepoint escapes replaced by the characters, as the SPARQL grammar reads it.

    Raises QuerySyntaxError for an escape of no character (a surrogate, beyond U+10FFFF) and QueryRejected
    when the decoded text holds an escape again (``\\u005Cu0041``): parsers would disagree on it.
    """
    if "\\" not in text:
        return text

    def char(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"{m.group()} is not a character (at {where(text, m.start())})")
        return chr(code)

    decoded = _ESCAPE.sub(char, text)
    again = _ESCAPE.search(decoded)
    if again is not None:
        raise QueryRejected(
            f"a codepoint escape decodes to another escape ({again.group()}); write the character itself"
        )
    return decoded


def describe_syntax_error(query: str, exc: SyntaxError) -> str:
    """pyoxigraph's syntax error as 'syntax error at line L, column C: <message>', the line and a caret."""
    text = str(exc)
    head, sep, rest = text.partition(": ")
    position = head.removeprefix("error at ").split(":") if head.startswith("error at ") else []
    if len(position) != 2 or not all(p.isdigit() for p in position) or not sep:
        return f"syntax error: {text[:300]}"
    line, column = (int(p) for p in position)
    expected = rest if len(rest) <= 200 else rest[:200] + " …"
    lines = query.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    pointer = " " * (max(column, 1) - 1) + "^"
    return f"syntax error at line {line}, column {column}: {expected}\n{source}\n{pointer}"
