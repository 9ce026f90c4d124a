"""mediakg: a knowledge graph of Kazakhstan-OSCE engagements and media-freedom incidents."""

__version__ = "0.1.0"
