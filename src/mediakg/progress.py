"""Progress lines and problem reports of the build pipeline (build, validate, verify-quotes).

Every problem is one :class:`Problem` record, printed one per line so that editors and CI logs can jump to it:
parse errors as ``file:line: message``, shape violations as
``focus node | path | constraint component | message  [file]``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

#: Problem kinds; ``parse`` problems stop the pipeline before validation.
PARSE = "parse"
VIOLATION = "violation"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs, located as precisely as the checker allows."""

    kind: str
    message: str
    file: str = ""
    line: int | None = None
    focus: str = ""
    path: str = ""
    component: str = ""

    def render(self) -> str:
        """The problem as one line of text."""
        if self.kind == PARSE:
            where = f"{self.file}:{self.line}" if self.line else self.file
            return f"{where}: {self.message}"
        text = " | ".join([self.focus or "-", self.path or "-", self.component or "-", self.message])
        if self.kind == WARNING:
            text = "warning: " + text
        return f"{text}  [{self.file}]" if self.file else text


class Progress:
    """Prints one line per pipeline step with the time elapsed since the start."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since this reporter was created."""
        return time.perf_counter() - self.start

    def step(self, message: str) -> None:
        """Report the start or result of a step (suppressed when quiet)."""
        if not self.quiet:
            print(f"[{self.elapsed():5.1f}s] {message}", file=self.stream, flush=True)

    def say(self, message: str = "") -> None:
        """Print a line that is shown even when quiet (problems, summaries)."""
        print(message, file=self.stream, flush=True)

    def problems(self, problems: list[Problem]) -> None:
        """Print problems one per line, violations first."""
        for problem in sorted(problems, key=lambda p: (p.kind == WARNING, p.file, p.line or 0, p.focus)):
            self.say(problem.render())


def table(rows: list[tuple[str, str]], title: str = "") -> str:
    """Two-column plain-text table (label left, value right-aligned)."""
    width = max((len(label) for label, _ in rows), default=0)
    vwidth = max((len(value) for _, value in rows), default=0)
    lines = [title] if title else []
    lines += [f"  {label:<{width}}  {value:>{vwidth}}" for label, value in rows]
    return "\n".join(lines)
