"""The questions layer: the catalogue of named questions (``queries/*.rq`` with grlc-style headers), their
typed parameters and how they are bound. Depends on ``mediakg.query`` and below."""
