"""``mediakg draft``: propose a mapping of a new source text for a person to review.

Decoupled from the rest of mediakg: it reads the graph (the project's files or a build's dataset) with
pyoxigraph and a text, and returns a :class:`~mediakg.draft.core.Draft` that :mod:`.render` writes as
Turtle. Only :mod:`.command` (the CLI, and validating the draft) uses the project's build modules.

    graph = load_graph(project_files(root, exclude=["<id>"]))
    draft = Drafter(graph).draft_file(Path("text.txt"))
    print(render(draft))
"""

from mediakg.draft.core import Draft, Drafter
from mediakg.draft.graph import GraphView, graph_files, load_graph, project_files
from mediakg.draft.render import render

__all__ = ["Draft", "Drafter", "GraphView", "graph_files", "load_graph", "project_files", "render"]
