"""The IRIs PolicyKG mints, all under one base IRI, and the prefixes queries and shapes use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

DEFAULT_BASE = "https://w3id.org/policykg/"

# Well-known vocabularies: fixed IRIs, whatever the base.
STANDARD_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
}

# PolicyKG's own namespaces, relative to the base IRI.
OWN_PREFIXES = {
    "pkg": "ontology#",
    "act": "vocab/activity/",
    "role": "vocab/role/",
    "agency": "id/agency/",
    "person": "id/person/",
    "policy": "id/policy/",
    "provision": "id/provision/",
    "statement": "id/statement/",
    "event": "id/event/",
    "source": "id/source/",
    "place": "id/place/",
    "post": "id/post/",
    "tenure": "id/tenure/",
    "organization": "id/org/",
    "graph": "graph/",
    "dataset": "id/dataset/",
    "status": "vocab/agreement-status/",
}


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*")


def is_iri(text: str) -> bool:
    """An absolute IRI, safe to write between < and > in SPARQL."""
    return _IRI.fullmatch(text) is not None


@dataclass(frozen=True)
class Namespaces:
    """The IRIs of one deployment, derived from its base IRI."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"the base IRI must end with '/' or '#': {self.base!r}")

    def iri(self, relative: str) -> str:
        return self.base + relative

    @property
    def prefixes(self) -> dict[str, str]:
        own = {name: self.base + path for name, path in OWN_PREFIXES.items()}
        return own | STANDARD_PREFIXES

    def compact(self, iri: str) -> str:
        """``pkg:Policy`` for a known namespace (when the rest is a simple name), else ``<iri>``."""
        for prefix, namespace in self._longest_first:
            local = iri.removeprefix(namespace)
            if local != iri and local and all(c.isalnum() or c in "-_." for c in local):
                return f"{prefix}:{local}"
        return f"<{iri}>"

    @cached_property
    def _longest_first(self) -> list[tuple[str, str]]:
        return sorted(self.prefixes.items(), key=lambda item: -len(item[1]))

    def sparql_prologue(self) -> str:
        return self._prologue

    @cached_property
    def _prologue(self) -> str:  # made once: every query of a page starts with it
        return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in self.prefixes.items())

    @property
    def ontology(self) -> str:
        return self.iri("ontology")

    @property
    def pkg(self) -> str:
        return self.iri("ontology#")

    @property
    def meta_graph(self) -> str:
        return self.iri("graph/meta")

    @property
    def shapes(self) -> str:
        return self.iri("shapes")
