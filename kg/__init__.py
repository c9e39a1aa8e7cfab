"""PolicyKG: a knowledge graph of who enforces US immigration law, under which policies."""

__version__ = "0.1.0"
