"""`kg search`: the web's search box on the command line."""

from __future__ import annotations

import csv
import json
import sys

import click

from kg.cli import EXIT_BAD_INPUT, Context, handles_errors, main, pass_context, text_table
from kg.service.publish.entities import KINDS
from kg.service.search import MAX_LIMIT, SearchError, SearchIndex

COLUMNS = ["iri", "label", "kind", "state", "why"]


@main.command(name="search")
@click.argument("text")
@click.option("--kind", type=click.Choice(KINDS), help="Only entities of this kind.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    help="Output format [default: table in a terminal, csv when piped].",
)
@click.option(
    "--limit", type=click.IntRange(1, MAX_LIMIT), default=20, show_default=True, help="Results."
)
@pass_context
@handles_errors
def search_command(
    context: Context, text: str, kind: str | None, output_format: str | None, limit: int
) -> None:
    """Find entities by the words people know them by: a name, an alternate name (LVMPD), an
    ORI (NV0020100), a place, a phrase of a quote, a source's title; typos forgiven. Best
    first, with what matched."""
    try:
        hits = SearchIndex(context.store, context.ns).search(text, kind=kind, limit=limit)
    except SearchError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    output_format = output_format or ("table" if sys.stdout.isatty() else "csv")
    rows = [hit.to_json() for hit in hits]
    if output_format == "json":
        click.echo(json.dumps({"query": text, "results": rows}, indent=2, ensure_ascii=False))
    elif output_format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = [
            [context.ns.compact(r["iri"]), r["label"], r["kind"], r["state"] or "", r["why"]]
            for r in rows
        ]
        click.echo(text_table(COLUMNS, table))
