"""`kg backup` and `kg restore`: consistent copies of the embedded store."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import Context, handles_errors, main, pass_context
from kg.store import StoreError
from kg.store.embedded import EmbeddedStore


def _embedded(context: Context) -> EmbeddedStore:
    store = context.store
    if not isinstance(store, EmbeddedStore):
        raise StoreError(
            "backup and restore are for the embedded store; back up the remote "
            "server with its own tools"
        )
    return store


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_context
@handles_errors
def backup(context: Context, directory: Path) -> None:
    """Write a consistent copy of the store into DIRECTORY (new), even while it is served."""
    _embedded(context).backup(directory)
    context.say(f"Backed up {context.settings.store_path} into {directory}.")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_context
@handles_errors
def restore(context: Context, directory: Path) -> None:
    """Replace the store with the backup in DIRECTORY (the former content is kept beside it,
    as STORE.before-restore). Stop `kg serve` first: its workers read the files replaced."""
    _embedded(context).restore(directory)
    context.say(f"Restored {context.settings.store_path} from {directory}.")
