"""The `kg` command line: load, validate, query and export the knowledge graph.

Exit codes: 0 success; 1 the graph does not conform or the operation was refused; 2 bad input
(a file that does not parse, an unknown format, a malformed query).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pyoxigraph as ox

from kg.config import Settings
from kg.formats import (
    RDF_FORMATS,
    RESULTS_FORMATS,
    UnknownFormatError,
    rdf_format_for_path,
    rdf_format_named,
    results_format_named,
)
from kg.namespaces import Namespaces
from kg.rdfio import ParseError
from kg.service import loading
from kg.service.export import export, union_graph
from kg.service.queries import (
    ForbiddenQueryError,
    UnknownQueryError,
    named_queries,
    named_query,
    run_query,
)
from kg.service.validation import validate
from kg.store import QuerySyntaxError, Store, StoreError
from kg.store.embedded import EmbeddedStore
from kg.store.factory import open_store

EXIT_REFUSED, EXIT_BAD_INPUT = 1, 2


class Context:
    """What every command needs: the settings, and the store opened on first use."""

    def __init__(self, settings: Settings, quiet: bool) -> None:
        self.settings, self.quiet = settings, quiet
        self._store: Store | None = None

    @property
    def ns(self) -> Namespaces:
        return self.settings.namespaces

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def say(self, message: str) -> None:
        """Progress and summaries: to stderr, and only when someone is watching."""
        if not self.quiet:
            click.echo(message, err=True)

    @property
    def shows_progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()


def handles_errors(command: Callable) -> Callable:
    """Turns the errors users cause into a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:  # the reader (| head) has had enough; not an error
            sys.stderr.close()
            sys.exit(0)
        except (
            ParseError,
            UnknownFormatError,
            QuerySyntaxError,
            UnknownQueryError,
            ForbiddenQueryError,
        ) as error:
            message = error.args[0] if isinstance(error, KeyError) else str(error)
            click.echo(f"Error: {message}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (StoreError, OSError) as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(EXIT_REFUSED)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    help="Directory of the embedded store [env KG_STORE; default ./.policykg/store].",
)
@click.option(
    "--base", help="Base IRI of minted IRIs [env KG_BASE; default https://w3id.org/policykg/]."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summaries on stderr.")
@click.pass_context
def main(
    click_context: click.Context, store_path: Path | None, base: str | None, quiet: bool
) -> None:
    """PolicyKG: who enforces US immigration law, under which policies, and who said what."""
    settings = Settings.from_env().with_overrides(store_path=store_path, base=base)
    context = Context(settings, quiet)
    click_context.obj = context
    click_context.call_on_close(context.close)


pass_context = click.make_pass_decorator(Context)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Empty the store first.")
@click.option("--graph", help="Named graph for the files' triples (those outside any named graph).")
@pass_context
@handles_errors
def load(context: Context, files: tuple[Path, ...], replace: bool, graph: str | None) -> None:
    """Load FILES, or the bundled ontology, vocabularies and data when none is named.

    The format comes from the extension: .ttl .nt .nq .trig .jsonld .rdf. All or nothing:
    if a file does not parse, the store is left as it was (--replace included).
    """
    items = loading.user_items(files, graph) if files else loading.bundled_items(context.ns)
    store = context.store
    with _progress(context, loading.total_bytes(items), "Loading") as advance:
        loading.load_items(store, context.ns, items, replace=replace, progress=advance)
    context.say(
        f"Loaded {len(items)} file(s); the store holds {store.count():,} quads "
        f"in {len(store.graphs())} named graphs."
    )


@main.command(name="validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@pass_context
@handles_errors
def validate_command(context: Context, files: tuple[Path, ...], output_format: str) -> None:
    """Validate the store (or FILES, with the bundled ontology) against the SHACL shapes.

    Exit 0 when there is no violation (warnings are reported), 1 otherwise.
    """
    if files:
        scratch = EmbeddedStore()  # in memory: the files beside the ontology, for its classes
        items = [
            loading.LoadItem(item.path, item.graph)
            for item in loading.bundled_items(context.ns)
            if item.graph is not None
        ] + loading.user_items(files, None)
        loading.load_items(scratch, context.ns, items)
        data = union_graph(scratch)
    else:
        data = union_graph(context.store)
    context.say(f"Validating {len(data):,} triples against the shapes…")
    report = validate(data, context.ns)
    rendered = {"text": report.to_text, "turtle": report.to_turtle, "json": report.to_json_text}
    click.echo(rendered[output_format]())
    sys.exit(0 if report.conforms else EXIT_REFUSED)


QUERY_FORMATS = ["table", *RESULTS_FORMATS, "turtle", "nt", "jsonld"]


@main.command()
@click.argument("sparql", required=False)
@click.option(
    "-f", "--file", "query_file", type=click.File("r"), help="Read the query from a file."
)
@click.option("--named", help="Run a named query (see --list).")
@click.option("--list", "list_named", is_flag=True, help="List the named queries.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(QUERY_FORMATS),
    help="Output format [default: table in a terminal, csv or turtle when piped].",
)
@pass_context
@handles_errors
def query(
    context: Context,
    sparql: str | None,
    query_file,
    named: str | None,
    list_named: bool,
    output_format: str | None,
) -> None:
    """Run a SPARQL query: SPARQL text, -f FILE or --named NAME."""
    if list_named:
        for item in named_queries().values():
            click.echo(f"{item.name}\n    {item.title}\n    {item.question}")
        return
    given = [source for source in (sparql, query_file, named) if source]
    if len(given) != 1:
        raise click.UsageError("give exactly one of: SPARQL text, -f FILE, --named NAME")
    text = (
        named_query(named).text(context.ns)
        if named
        else query_file.read()
        if query_file
        else sparql
    )
    result = run_query(context.store, text, context.ns)
    _write_result(context, result, output_format)


def _write_result(context: Context, result, output_format: str | None) -> None:
    is_graph = isinstance(result, ox.QueryTriples)
    if output_format is None:
        output_format = "table" if sys.stdout.isatty() else ("turtle" if is_graph else "csv")
    if is_graph:
        if output_format in RESULTS_FORMATS or output_format == "table":
            output_format = "turtle"
        fmt = rdf_format_named(output_format)
        prefixes = context.ns.prefixes if fmt == ox.RdfFormat.TURTLE else None
        ox.serialize(result, sys.stdout.buffer, fmt, prefixes=prefixes)
    elif output_format == "table":
        click.echo(_table(context.ns, result))
    elif output_format in RESULTS_FORMATS:
        result.serialize(sys.stdout.buffer, results_format_named(output_format))
    else:
        raise click.UsageError(f"--format {output_format} is for CONSTRUCT and DESCRIBE queries")
    sys.stdout.flush()


def _table(ns: Namespaces, result) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "yes" if bool(result) else "no"
    names = [variable.value for variable in result.variables]
    rows = [[_cell(ns, solution[name]) for name in names] for solution in result]
    widths = [
        min(60, max([len(name), *(len(row[i]) for row in rows)])) for i, name in enumerate(names)
    ]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(names, widths, strict=True)),
        "  ".join("─" * width for width in widths),
    ]
    for row in rows:
        lines.append(
            "  ".join(
                _clip(cell, width).ljust(width) for cell, width in zip(row, widths, strict=True)
            )
        )
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(ns: Namespaces, term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return ns.compact(term.value)
    return term.value if isinstance(term, ox.Literal) else str(term)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command(name="export")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(RDF_FORMATS)),
    default="nq",
    show_default=True,
    help="nq, trig and jsonld keep the named graphs; ttl, nt and rdfxml hold their union.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write [default: stdout].",
)
@click.option("--graph", help="Export this named graph only.")
@pass_context
@handles_errors
def export_command(
    context: Context, output_format: str, output: Path | None, graph: str | None
) -> None:
    """Export the graph: every named graph (nq, trig, jsonld) or their union (ttl, nt, rdfxml)."""
    fmt = rdf_format_named(output_format)
    if output is None:
        export(context.store, sys.stdout.buffer, fmt, context.ns, graph=graph)
        return
    with output.open("wb") as stream:
        export(context.store, stream, fmt, context.ns, graph=graph)
    context.say(f"Wrote {output} ({output.stat().st_size:,} bytes).")


class _progress:
    """A progress bar over bytes on a terminal; nothing when quiet or piped."""

    def __init__(self, context: Context, total: int, label: str) -> None:
        self._bar = (
            click.progressbar(length=total, label=label, file=sys.stderr)
            if context.shows_progress
            else None
        )

    def __enter__(self) -> Callable[[int], None] | None:
        return self._bar.__enter__().update if self._bar else None

    def __exit__(self, *exc_info) -> None:
        if self._bar:
            self._bar.__exit__(*exc_info)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=int,
    help="Worker processes (each answers requests with its own threads).",
)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker.")
@click.option(
    "--query-timeout",
    type=float,
    help="Seconds before a query is stopped and answered 503 [env KG_QUERY_TIMEOUT; 30].",
)
@pass_context
@handles_errors
def serve(
    context: Context, host: str, port: int, workers: int, threads: int, query_timeout: float | None
) -> None:
    """Serve the SPARQL endpoint and the pages, under gunicorn.

    An empty store is first loaded with the bundled graph, so `kg serve` is the whole set-up.
    """
    from kg.web.server import Server, prepare_store

    settings = context.settings.with_overrides(query_timeout=query_timeout)
    if prepare_store(settings):
        context.say(f"Loaded the bundled graph into {settings.store_path}.")
    context.say(
        f"Serving PolicyKG on http://{host}:{port}/ (store {settings.store_path}, "
        f"{workers} workers of {threads} threads, query timeout {settings.query_timeout:g} s)"
    )
    Server(settings, host=host, port=port, workers=workers, threads=threads).run()


@main.command(name="assert")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    help="IRI of the source the facts come from (one in the graph), unless the file describes it.",
)
@click.option(
    "--as",
    "contributor",
    default="cli",
    show_default=True,
    help="Who contributes (recorded with the contribution).",
)
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@pass_context
@handles_errors
def assert_command(
    context: Context,
    file: Path,
    source: str | None,
    contributor: str,
    dry_run: bool,
    output_format: str,
) -> None:
    """Contribute the facts in FILE: validated with the whole graph, then committed whole.

    Exit 0 when admitted (or, with --dry-run, admissible), 1 when refused, 2 for bad input.
    """
    from kg.service.contributions import (
        AlreadyContributedError,
        ContributionError,
        RefusedError,
        contribute,
        parse_payload,
    )

    fmt = rdf_format_for_path(file)
    triples = parse_payload(file.read_bytes(), fmt, context.ns)
    try:
        outcome = contribute(
            context.store,
            context.ns,
            triples,
            contributor=contributor,
            source=source,
            dry_run=dry_run,
        )
    except RefusedError as refused:
        click.echo(
            refused.report.to_json_text()
            if output_format == "json"
            else f"Refused: {refused}.\n\n{refused.report.to_text()}"
        )
        sys.exit(EXIT_REFUSED)
    except ContributionError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except AlreadyContributedError as error:
        click.echo(f"Refused: {error}", err=True)
        sys.exit(EXIT_REFUSED)
    if output_format == "json":
        click.echo(json.dumps(outcome.summary(), indent=2))
        return
    verb = "Admissible (dry run, nothing written)" if dry_run else "Admitted"
    click.echo(
        f"{verb}: {outcome.triples} triples from {outcome.source}, as contribution "
        f"{outcome.id} (graph {outcome.graph})."
    )
    if outcome.report.warnings:
        click.echo(outcome.report.to_text())
