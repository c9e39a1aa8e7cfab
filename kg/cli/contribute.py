"""`kg assert`: contributing facts through the validation gate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg.cli import EXIT_BAD_INPUT, EXIT_REFUSED, Context, handles_errors, main, pass_context
from kg.formats import rdf_format_for_path


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
    from kg.service.write.contributions import (
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
