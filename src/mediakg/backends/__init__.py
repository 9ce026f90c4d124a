"""Triplestore backends behind one small interface (:class:`mediakg.backends.base.Backend`)."""

from .base import Backend, Health, QueryRejected, QueryResult, QueryTimeout, StoreUnavailable

__all__ = ["Backend", "Health", "QueryRejected", "QueryResult", "QueryTimeout", "StoreUnavailable"]
