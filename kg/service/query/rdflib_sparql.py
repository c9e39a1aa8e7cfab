"""One lock for rdflib's SPARQL parser, which pyparsing makes unsafe to use from two threads
at once (RDFLib/rdflib#1282): pySHACL's SPARQL constraints and our reading of updates both
parse with it, on the server's threads."""

from __future__ import annotations

import threading

PARSER_LOCK = threading.Lock()
