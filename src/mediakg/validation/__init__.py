"""The validation layer: SHACL with pyshacl (the reference) or the SPARQL engine over pyoxigraph, and the
check that every evidence quote occurs in its source text. Depends on ``mediakg.graph``."""
