"""Opens the store the settings name: the embedded one, or a remote SPARQL server."""

from __future__ import annotations

from kg.config import Settings
from kg.store import Store, StoreError
from kg.store.embedded import EmbeddedStore
from kg.store.proposals import ProposalDesk
from kg.store.remote import SparqlStore
from kg.store.running import Running


def open_store(settings: Settings) -> Store:
    if settings.backend == "embedded":
        return EmbeddedStore(
            settings.store_path,
            idle_helpers=settings.slots,
            query_memory=settings.query_memory * 2**20,
            total_memory=settings.query_memory_budget,
        )
    if settings.backend != "sparql":
        raise StoreError(f"unknown backend {settings.backend!r}: embedded or sparql")
    if not settings.query_url:
        raise StoreError("the sparql backend needs the server's query URL (KG_QUERY_URL)")
    return SparqlStore(
        settings.query_url,
        update_url=settings.update_url,
        gsp_url=settings.gsp_url,
        auth=settings.remote_auth,
        # the lock and the generation, shared by this machine's processes
        state_dir=settings.store_path,
    )


def open_desk(settings: Settings, store: Store) -> ProposalDesk:
    """The proposals of the store: beside it on disk, in memory beside an in-memory store."""
    return ProposalDesk(None if _in_memory(store) else settings.proposals_path)


def open_running(settings: Settings, store: Store) -> Running:
    """The record of running queries the server's processes share (in this process only
    beside an in-memory store)."""
    return Running(None if _in_memory(store) else settings.running_path)


def _in_memory(store: Store) -> bool:
    return isinstance(store, EmbeddedStore) and store.path is None
