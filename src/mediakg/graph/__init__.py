"""The graph layer: RDF terms and namespaces, parsing untrusted and project files, merging them into one
dataset and the build's entailments. Depends on the base modules only (errors, paths, progress, formats)."""
