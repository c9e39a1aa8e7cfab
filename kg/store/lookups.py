"""Point lookups: queries whose whole cost is bounded by one entity's triples.

A query of one triple pattern whose subject is a constant — ``SELECT ?p ?o WHERE { <x> ?p ?o }``,
``ASK { <x> a ?type }``, ``CONSTRUCT WHERE { <x> ?p ?o }`` — or ``DESCRIBE <x>`` reads at most the
triples whose subject is that entity. When those are few (``EmbeddedStore.bounded``), the
runner answers it at once on the request's thread: no helper process, no round trip, and no
runaway possible. Anything else — a join, a FILTER, a path, a sub-query, a subject with too
many triples — goes to the helpers.

The test is on the text, conservatively: a query it cannot read as such a lookup is not one.
"""

from __future__ import annotations

import re

from kg.store.sparql_text import code_only

_IRI = r"<[^<>\"{}|^`\\\s]*>"
_NAME = r"[A-Za-z][\w.-]*:[\w.-]*|:[\w.-]*"  # a prefixed name (no escapes, no trailing dot)
_TERM = rf"(?:{_IRI}|{_NAME})"
_VARIABLE = r"[?$]\w+"
_PROLOGUE = re.compile(
    rf"\s*((?:(?:BASE\s*{_IRI}|PREFIX\s+(?:[A-Za-z][\w.-]*)?:\s*{_IRI})\s*)*)", re.IGNORECASE
)
_PREFIX = re.compile(rf"PREFIX\s+((?:[A-Za-z][\w.-]*)?):\s*({_IRI})", re.IGNORECASE)
_PATTERN = (
    rf"\{{\s*(?P<subject>{_TERM})\s+(?:{_VARIABLE}|{_TERM}|a)\s+"
    rf"(?:{_VARIABLE}|{_TERM})\s*\.?\s*\}}"
)
_SLICE = r"(?:\s*(?:LIMIT|OFFSET)\s+\d+)*\s*"
_QUERY = re.compile(
    r"(?:SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(?:\*|(?:[?$]\w+\s*)+)\s*(?:WHERE\s*)?"
    r"|ASK\s*(?:WHERE\s*)?|CONSTRUCT\s+WHERE\s*)"
    + _PATTERN
    + _SLICE
    + r"\Z"
    + rf"|DESCRIBE\s+(?P<described>{_TERM})\s*\Z",
    re.IGNORECASE,
)


def lookup_subject(sparql: str) -> str | None:
    """The IRI whose triples bound the query's cost, if it is a point lookup; else None.

    Relative IRIs and BASE are left to the helpers (their resolution is the engine's)."""
    code = code_only(sparql, keep_iris=True)
    prologue = _PROLOGUE.match(code)
    assert prologue is not None  # the pattern matches the empty string
    if "BASE" in prologue.group(1).upper().split():
        return None
    found = _QUERY.match(code, prologue.end())
    if found is None:
        return None
    term = found.group("subject") or found.group("described")
    if term.startswith("<"):
        iri = term[1:-1]
    else:
        prefixes = {name: value[1:-1] for name, value in _PREFIX.findall(prologue.group(1))}
        prefix, _, local = term.partition(":")
        if prefix not in prefixes:
            return None
        iri = prefixes[prefix] + local
    return iri if re.match(r"[A-Za-z][\w+.-]*:", iri) else None
