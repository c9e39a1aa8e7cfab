"""The `kg` command line: load, validate, query and export the knowledge graph.

Exit codes: 0 success; 1 the graph does not conform or the operation was refused; 2 bad input
(a file that does not parse, an unknown format, a malformed query).
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from kg.config import Settings
from kg.formats import UnknownFormatError
from kg.namespaces import Namespaces
from kg.rdfio import ParseError
from kg.service.imports.ice_287g import SheetError
from kg.service.query.queries import ForbiddenQueryError, UnknownQueryError
from kg.store import QuerySyntaxError, Store, StoreError
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
            SheetError,
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
    help="Directory of the embedded store, or of a remote store's local state "
    "[env KG_STORE; default ./.policykg/store].",
)
@click.option(
    "--base", help="Base IRI of minted IRIs [env KG_BASE; default https://w3id.org/policykg/]."
)
@click.option(
    "--backend",
    type=click.Choice(["embedded", "sparql"]),
    help="The store: embedded Oxigraph, or a remote SPARQL 1.1 server [env KG_BACKEND].",
)
@click.option("--query-url", help="The remote's query endpoint [env KG_QUERY_URL].")
@click.option("--update-url", help="The remote's update endpoint [env KG_UPDATE_URL].")
@click.option("--gsp-url", help="The remote's Graph Store Protocol endpoint [env KG_GSP_URL].")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summaries on stderr.")
@click.pass_context
def main(
    click_context: click.Context,
    store_path: Path | None,
    base: str | None,
    backend: str | None,
    query_url: str | None,
    update_url: str | None,
    gsp_url: str | None,
    quiet: bool,
) -> None:
    """PolicyKG: who enforces US immigration law, under which policies, and who said what."""
    try:
        environment = Settings.from_env()
    except ValueError as error:  # a KG_* variable that is not what it should be
        raise click.UsageError(str(error)) from None
    settings = environment.with_overrides(
        store_path=store_path,
        base=base,
        backend=backend,
        query_url=query_url,
        update_url=update_url,
        gsp_url=gsp_url,
    )
    context = Context(settings, quiet)
    click_context.obj = context
    click_context.call_on_close(context.close)


pass_context = click.make_pass_decorator(Context)


class progress_bar:
    """A progress bar over bytes on a terminal, then each step that follows (an import, the
    merge) on a line of its own, its time ticking; nothing when quiet or piped. Entered, it
    gives the two callbacks, each None when nothing is shown."""

    def __init__(self, context: Context, total: int, label: str) -> None:
        self._bar = (
            click.progressbar(length=total, label=label, file=sys.stderr)
            if context.shows_progress
            else None
        )
        self._steps = Steps()

    def __enter__(self) -> tuple[Callable[[int], None] | None, Callable[..., None] | None]:
        if not self._bar:
            return None, None
        self._bar.__enter__()
        return self._advance, self._step

    def _advance(self, read: int) -> None:
        if self._bar is None:  # given out only with a bar
            return
        self._bar.update(read)
        if self._bar.pos >= self._bar.length and not self._steps.begun:
            # all read: the store still writes what it parsed (seconds, for a large file)
            self._step("Writing into the store")

    def _step(self, label: str, detail: Callable[[], str] | None = None) -> None:
        if self._bar:
            if not self._steps.begun:  # the bytes are all in: the bar ends its line
                self._bar.render_finish()
            self._steps.begin(label, detail)

    def __exit__(self, *exc_info) -> None:
        if self._steps.begun:
            self._steps.__exit__(*exc_info)
        elif self._bar:
            self._bar.__exit__(*exc_info)


@contextlib.contextmanager
def steps(context: Context) -> Iterator[Callable[..., None] | None]:
    """The steps of a long command on a terminal (as ``Steps``); None when quiet or piped."""
    if not context.shows_progress:
        yield None
        return
    with Steps() as shown:
        yield shown.begin


class Steps:
    """Steps on a terminal, one line each: a spinner and the seconds since it began while it
    runs (redrawn by a thread: the step itself tells nothing), its time once it is done (a
    tick; a cross for a step that failed)."""

    SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self) -> None:
        self.begun = False
        self._label, self._started, self._frame = "", 0.0, 0
        self._detail: Callable[[], str] | None = None
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def begin(self, label: str, detail: Callable[[], str] | None = None) -> None:
        """Ends the step before (ticked, with its time), begins this one; ``detail`` tells
        how far it is, each time the line is drawn (bytes written, say)."""
        with self._lock:
            if self.begun:
                self._draw(done=True)
            else:
                self.begun = True
                self._ticker.start()
            self._label, self._detail, self._started = label, detail, time.monotonic()
            self._draw()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, failure: type[BaseException] | None, *_exc_info) -> None:
        """Ends the last step, if one began: ticked, or crossed when it failed (its error
        follows)."""
        if not self.begun:
            return
        self._ended.set()
        self._ticker.join()
        with self._lock:
            self._draw(done=True, failed=failure is not None)

    def _tick(self) -> None:
        while not self._ended.wait(0.1):
            with self._lock:
                self._frame += 1
                self._draw()

    def _draw(self, *, done: bool = False, failed: bool = False) -> None:
        seconds = time.monotonic() - self._started
        mark = "✗" if failed else "✓" if done else self.SPINNER[self._frame % len(self.SPINNER)]
        progress = f"{self._detail()}, " if self._detail else ""
        line = f"\r{mark} {self._label}… {progress}{seconds:.1f} s\033[K"  # to the line's end
        click.echo(line + ("\n" if done else ""), err=True, nl=False)


def text_table(names: list[str], rows: list[list[str]]) -> str:
    """Rows as a table for a terminal: columns at most 60 characters wide, then a count."""
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
                (cell if len(cell) <= width else cell[: width - 1] + "…").ljust(width)
                for cell, width in zip(row, widths, strict=True)
            )
        )
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


# The commands, one module per kind of work (imported for their registration on `main`).
from kg.cli import admin, contribute, graph, search, serve  # noqa: E402, F401
