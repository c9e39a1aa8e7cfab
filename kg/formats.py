"""Every serialization PolicyKG reads or writes, in one place: names, extensions, media types.

Formats are pyoxigraph's enums (``RdfFormat``, ``QueryResultsFormat``); this module only maps the
names users type (``--format ttl``), file extensions and media types onto them.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat


class UnknownFormatError(ValueError):
    """A format name, extension or media type that PolicyKG does not know."""


# Short names as the CLI and the `format` URL parameter spell them.
RDF_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}
RDF_FORMAT_ALIASES = {
    "turtle": "ttl",
    "ntriples": "nt",
    "nquads": "nq",
    "json-ld": "jsonld",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "owl": "rdfxml",
}

RESULTS_FORMATS: dict[str, QueryResultsFormat] = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}

_EXTENSIONS = {
    ".ttl": RdfFormat.TURTLE,
    ".turtle": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".ntriples": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".nquads": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".jsonld": RdfFormat.JSON_LD,
    ".json": RdfFormat.JSON_LD,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
}


# Media types, in the order offered when the client's Accept allows several equally.
RESULTS_MEDIA_TYPES: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
}
GRAPH_MEDIA_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/trig": RdfFormat.TRIG,
    "application/n-quads": RdfFormat.N_QUADS,
    "text/plain": RdfFormat.N_TRIPLES,
}
# Clients such as rdflib's SPARQLStore ask for a results format whatever the query: for a
# graph, they get the RDF syntax of the same family, with that syntax's own media type.
GRAPH_FALLBACKS: dict[str, str] = {
    "application/sparql-results+json": "application/ld+json",
    "application/json": "application/ld+json",
    "application/sparql-results+xml": "application/rdf+xml",
    "application/xml": "application/rdf+xml",
}
# What a `format=` parameter may name (besides a media type), as Fuseki and Virtuoso accept.
FORMAT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
}


def known_rdf_formats() -> str:
    return ", ".join(RDF_FORMATS)


def rdf_format_named(name: str) -> RdfFormat:
    key = RDF_FORMAT_ALIASES.get(name.lower(), name.lower())
    try:
        return RDF_FORMATS[key]
    except KeyError:
        raise UnknownFormatError(
            f"unknown RDF format {name!r}; known formats: {known_rdf_formats()}"
        ) from None


def rdf_format_for_path(path: str | Path) -> RdfFormat:
    """The format of a file, by its extension (a trailing .gz is not supported)."""
    suffix = Path(path).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        known = " ".join(sorted(_EXTENSIONS))
        raise UnknownFormatError(
            f"cannot tell the RDF format of {str(path)!r} from its extension; "
            f"known extensions: {known}"
        ) from None


def rdf_format_for_media_type(media_type: str) -> RdfFormat | None:
    return RdfFormat.from_media_type(media_type)


def short_name(fmt: RdfFormat) -> str:
    return next(name for name, known in RDF_FORMATS.items() if known == fmt)


def results_format_named(name: str) -> QueryResultsFormat:
    try:
        return RESULTS_FORMATS[name.lower()]
    except KeyError:
        raise UnknownFormatError(
            f"unknown results format {name!r}; known formats: {', '.join(RESULTS_FORMATS)}"
        ) from None


def prefixes_for(fmt: RdfFormat, prefixes: dict[str, str] | None) -> dict[str, str] | None:
    """Prefixes only where the format has them (pyoxigraph rejects them elsewhere)."""
    if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML):
        return prefixes
    return None
