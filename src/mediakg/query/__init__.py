"""The query layer: the one way a SPARQL query runs. The gate (escapes decoded, parsed, SERVICE refused),
sandboxed worker processes with time and memory limits, the remote-store executor behind the same
interface, result serialisation. Depends on ``mediakg.store`` and below."""
