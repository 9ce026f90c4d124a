"""The service's pages: entity IRIs with content negotiation, class listings, home, search, the ontology and
shapes documentation, downloads and VoID.

Routes, one module per concern, each with its own ``router``:

- :mod:`.entity` ``/id/<path>``; :mod:`.classes` ``/class/<Name>``; :mod:`.home` ``/``;
  :mod:`.search` ``/search``, ``/search/suggest``; :mod:`.docs` ``/ontology``, ``/shapes``,
  ``/context.jsonld``; :mod:`.downloads` ``/download``, ``/download/<file>``, ``/.well-known/void``;
  :mod:`.assets` ``/static/<name>``.

Shared: :mod:`.common` (request context, running the packaged queries ``queries/*.rq``, negotiation,
validators, rendering), :mod:`.caches` (every cache of the web process). Pure view code, testable without a
server: :mod:`.render` (values and links), :mod:`.labels` (friendly names), :mod:`.dates`, :mod:`.view` (the
entity page), :mod:`.places`, :mod:`.names` (search ranking), :mod:`.docs_view`.

Every query runs through the service's executor, under the same limits as /sparql; every answer carries
``ETag`` / ``Last-Modified`` derived from the build (:mod:`mediakg.service.caching`) and honours
``If-None-Match`` / ``If-Modified-Since``. Templates are in ``mediakg/templates`` (``base.html`` documents
the blocks other pages extend).
"""

from __future__ import annotations

from fastapi import APIRouter

from mediakg.service.pages import assets, classes, docs, downloads, entity, home, search

router = APIRouter()
for _module in (home, search, classes, entity, docs, downloads, assets):
    router.include_router(_module.router)

__all__ = ["router"]
