"""The store layer: the local pyoxigraph store of a build, the remote SPARQL 1.1 stores, and how a build is
loaded into one. Depends on ``mediakg.graph`` and the base modules only."""
