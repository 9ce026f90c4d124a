"""The mediakg web service: a read-only SPARQL 1.1 endpoint, the named-question API and entity pages.

``app.create_app(settings)`` builds the FastAPI application; ``server.cmd_serve`` is ``mediakg serve``.
Queries never run in the web process: they go through the query layer (:mod:`mediakg.query`), whose
sandboxed worker processes are killed when they pass the time limit, after its gate has refused anything
unsafe (SERVICE, updates, deep nesting).
"""
