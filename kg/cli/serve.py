"""`kg serve`: the SPARQL endpoint and the pages, under Granian."""

from __future__ import annotations

import click

from kg.cli import Context, handles_errors, main, pass_context


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
@click.option(
    "--threads",
    default=32,
    show_default=True,
    type=int,
    help="Threads per worker: requests answered at once (queries also wait for a slot).",
)
@click.option(
    "--query-timeout",
    type=float,
    help="Seconds before a query is stopped and answered 503 [env KG_QUERY_TIMEOUT; 30].",
)
@click.option(
    "--seed-only",
    is_flag=True,
    help="On an empty store, load the seed graph but not the public datasets.",
)
@pass_context
@handles_errors
def serve(
    context: Context,
    host: str,
    port: int,
    workers: int,
    threads: int,
    query_timeout: float | None,
    seed_only: bool,
) -> None:
    """Serve the SPARQL endpoint and the pages, under Granian.

    An empty store is first loaded with the bundled graph, so `kg serve` is the whole set-up.
    """
    from kg.web.server import Server, prepare_store

    settings = context.settings.with_overrides(query_timeout=query_timeout)
    if prepare_store(settings, datasets=not seed_only):
        context.say(f"Loaded the bundled graph into {settings.store_path}.")
    context.say(
        f"Serving PolicyKG on http://{host}:{port}/ (store {settings.store_path}, "
        f"{workers} workers of {threads} threads, query timeout {settings.query_timeout:g} s)"
    )
    Server(settings, host=host, port=port, workers=workers, threads=threads).run()
