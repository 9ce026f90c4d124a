"""The mediakg web service: a read-only SPARQL 1.1 endpoint, the named-question API and entity pages.

``app.create_app(settings)`` builds the FastAPI application; ``server.cmd_serve`` is ``mediakg serve``.
Queries never run in the web process: ``executor.QueryExecutor`` sends them to a pool of worker
processes that can be killed when they pass the time limit (see ``executor``), after ``query_check`` has
refused anything unsafe (SERVICE, FROM of foreign IRIs, updates, deep nesting).
"""
