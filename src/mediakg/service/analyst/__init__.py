"""The analyst's pages:

- the SPARQL editor, the HTML answer of ``/sparql`` (:mod:`.editor`);
- the question gallery ``/questions``, the question page that ``/api/<name>`` answers to a browser, and
  ``/api/_entities`` (entities by name, for the forms) (:mod:`.gallery`);
- the timeline ``/timeline`` and its data ``/timeline.json`` (:mod:`.timeline`);
- the charts ``/charts`` (:mod:`.charts`).

They use the vendored browser libraries (``web/README.md``) and their own scripts under ``static/js/``
(served at ``/static/js/``, :mod:`.common`); nothing is loaded from another host. ``router`` holds every route
of the pages; the app includes it before the question API (``/api/_entities`` before ``/api/{name}``)."""

from fastapi import APIRouter

from mediakg.service.analyst import charts, common, gallery, timeline

router = APIRouter(include_in_schema=False)
for _module in (common, gallery, timeline, charts):
    router.include_router(_module.router)

__all__ = ["router"]
