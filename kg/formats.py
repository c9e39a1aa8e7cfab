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
