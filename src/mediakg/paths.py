"""Where the project's inputs and outputs live.

The project root is found from the current directory upwards (the folder holding ``pyproject.toml`` and
``ontology/``), so the commands work from any sub-folder of a clone; ``MEDIAKG_HOME`` overrides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("MEDIAKG_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "ontology").is_dir():
            return candidate
    # Installed package used outside a clone: fall back to the source tree it was installed from.
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ProjectPaths:
    """The folders of one mediakg project tree."""

    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def build(self) -> Path:
        return Path(os.environ.get("MEDIAKG_BUILD_DIR", self.root / "build"))

    @property
    def sources(self) -> Path:
        return Path(os.environ.get("MEDIAKG_SOURCES", self.root.parent / "shared" / "sources"))


def project_paths() -> ProjectPaths:
    """Paths of the project the current process works on."""
    return ProjectPaths(_find_root())
