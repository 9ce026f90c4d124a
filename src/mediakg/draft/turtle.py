"""Turtle text for the draft: literals, IRIs relative to the draft's @base, comments, placeholder labels."""

from __future__ import annotations

import re

from mediakg.draft.graph import ID

RULE = "# " + "=" * 108
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_KAZAKH = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def literal(text: str) -> str:
    """A Turtle string literal (escapes backslash, quote and line breaks)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def lang_literal(text: str) -> str:
    """A label literal tagged with the language its script shows (kk, ru or en)."""
    tag = "en"
    if _CYRILLIC.search(text) and sum(map(bool, _CYRILLIC.findall(text))) > len(text) / 3:
        tag = "kk" if _KAZAKH & set(text) else "ru"
    return f"{literal(text)}@{tag}"


def iri(full: str) -> str:
    """An entity IRI relative to the @base where it is one of ours."""
    return f"<{full[len(ID) :]}>" if full.startswith(ID) else f"<{full}>"


def comment(text: str) -> list[str]:
    """A comment of one or more lines (line breaks in the text become comment lines)."""
    return ["# " + part if part else "#" for part in text.splitlines()]


def placeholder_label(quote: str) -> str:
    """A placeholder label: the quote's first words, without a leading date or item number."""
    words = re.sub(r"^(?:\d{1,3}[.)]\s+|[-•]\s+)", "", quote).split()
    label = " ".join(words[:14])
    return (label.rstrip(",;:") + ("…" if len(words) > 14 else "")) or "untitled"
