"""Opens the store the settings name."""

from __future__ import annotations

from kg.config import Settings
from kg.store import Store
from kg.store.embedded import EmbeddedStore


def open_store(settings: Settings) -> Store:
    return EmbeddedStore(settings.store_path)
