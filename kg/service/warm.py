"""Warming: what the first reader of a generation would otherwise wait for (the search index,
the lists' catalogues, the front page's figures), computed ahead in the background."""

from __future__ import annotations

import logging
import threading
import time

from kg.namespaces import Namespaces
from kg.service.publish.browse import SPECS, catalogue
from kg.service.publish.overview import overview
from kg.service.search import SearchIndex
from kg.store import Store, StoreError

log = logging.getLogger("kg.warm")
POLL = 1.0  # seconds between looks at the store's generation
QUIET = 10.0  # seconds a generation must last before it is warmed: not under a stream of writes


def warm(store: Store, ns: Namespaces, search: SearchIndex) -> None:
    """Computes, for the store's current generation, what is kept per generation."""
    search.refresh()
    for name in SPECS:
        catalogue(store, ns, name)
    overview(store, ns)
    # The warming's queries (38, over most of the store) leave the handle they went through
    # slower for those that follow (an agency page: 8.0 to 8.2 ms against 6.8 to 6.9 on a
    # handle opened afresh)
    store.reopen()


def keep_warm(store: Store, ns: Namespaces, search: SearchIndex) -> threading.Thread:
    """A daemon thread that warms each generation once it has lasted QUIET seconds (a reader
    who comes first computes it themselves, as without warming; under a stream of writes,
    nothing is warmed ahead, or the warming would rebuild for every write)."""

    def run() -> None:
        warmed, seen, since = None, None, time.monotonic()
        while True:
            generation = store.generation
            if generation != seen:
                seen, since = generation, time.monotonic()
            if generation != warmed and (warmed is None or time.monotonic() - since >= QUIET):
                try:
                    warm(store, ns, search)
                    warmed = generation
                except StoreError as error:  # the store is away: try again later
                    log.warning("warming skipped: %s", error)
            time.sleep(POLL)

    thread = threading.Thread(target=run, name="kg-warm", daemon=True)
    thread.start()
    return thread
