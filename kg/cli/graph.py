"""`kg load`, `kg validate`, `kg query`, `kg export`: the graph from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox

from kg.cli import (
    EXIT_BAD_INPUT,
    EXIT_REFUSED,
    Context,
    handles_errors,
    main,
    pass_context,
    progress_bar,
    steps,
    text_table,
)
from kg.formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format_named, results_format_named
from kg.namespaces import Namespaces
from kg.service import loading
from kg.service.publish.export import export, store_dataset
from kg.service.query.queries import named_queries, named_query, run_query
from kg.service.write.validation import validate
from kg.store.embedded import EmbeddedStore


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Empty the store first.")
@click.option("--graph", help="Named graph for the files' triples (those outside any named graph).")
@click.option(
    "--seed-only",
    is_flag=True,
    help="With no FILES: the ontology, vocabularies and seed facts, not the datasets.",
)
@pass_context
@handles_errors
def load(
    context: Context, files: tuple[Path, ...], replace: bool, graph: str | None, seed_only: bool
) -> None:
    """Load FILES, or the bundled graph when none is named: the ontology, vocabularies, seed
    facts, and the public datasets (the FBI's roster, ICE's 287(g) publications).

    The format comes from the extension: .ttl .nt .nq .trig .jsonld .rdf. All or nothing:
    if a file does not parse, the store is left as it was (--replace included).
    """
    store = context.store
    if files:
        items = loading.user_items(files, graph)
        with progress_bar(context, loading.total_bytes(items), "Loading") as (advance, step):
            loading.load_items(
                store, context.ns, items, replace=replace, progress=advance, step=step
            )
    else:
        if replace:
            store.clear()
        items = loading.bundled_items(context.ns)
        with progress_bar(context, loading.total_bytes(items), "Loading") as (advance, step):
            reports = loading.load_bundled(
                store, context.ns, datasets=not seed_only, progress=advance, step=step
            )
        for report in reports:
            context.say("\n".join(report.lines()))
    context.say(
        f"Loaded; the store holds {store.count():,} quads in {len(store.graphs())} named graphs."
    )


@main.command(name="import")
@click.argument("dataset", type=click.Choice(["fbi-lee", "ice-287g"]))
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@pass_context
@handles_errors
def import_command(context: Context, dataset: str, path: Path) -> None:
    """Import a publication of a public dataset into a named graph of its own.

    fbi-lee: the FBI's Law Enforcement Employees roster (CSV). ice-287g: one of ICE's 287(g)
    spreadsheets of participating or pending agencies (XLSX), or a folder of them (the
    scraper's capture folders, sheets_YYYYMMDD_HHMMSS, give each file's capture time). Agencies
    are reconciled to one node per agency, by kind; the report counts them by kind (kg query
    --named unmatched-agencies lists the rest). Importing a publication again replaces it. A
    file that is not a readable sheet is skipped and named: exit 2, the others imported.
    """
    with steps(context) as step:
        report = loading.import_dataset(context.store, context.ns, dataset, path, step)
    click.echo("\n".join(report.lines()))
    if report.skipped:
        sys.exit(EXIT_BAD_INPUT)


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
    with steps(context) as step:
        if step:
            step("Reading the graph")
        if files:
            scratch = EmbeddedStore()  # in memory: the files beside the ontology, its classes
            items = [
                loading.LoadItem(item.path, item.graph)
                for item in loading.bundled_items(context.ns)
                if item.graph is not None
            ] + loading.user_items(files, None)
            loading.load_items(scratch, context.ns, items)
            data = store_dataset(scratch)
        else:
            data = store_dataset(context.store)
        if step:
            step(f"Validating {len(data):,} triples against the shapes")
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
    return text_table(names, [[_cell(ns, solution[name]) for name in names] for solution in result])


def _cell(ns: Namespaces, term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return ns.compact(term.value)
    return term.value if isinstance(term, ox.Literal) else str(term)


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
    with output.open("wb") as stream, steps(context) as step:
        if step:
            step(f"Writing {output}", lambda: f"{stream.tell() / 1e6:,.1f} MB")
        export(context.store, stream, fmt, context.ns, graph=graph)
    context.say(f"Wrote {output} ({output.stat().st_size:,} bytes).")
