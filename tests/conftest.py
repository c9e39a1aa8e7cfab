"""Shared fixtures: the bundled graph in a real (in-memory or on-disk) Oxigraph store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.namespaces import Namespaces
from kg.resources import bundled_dir
from kg.service import loading
from kg.store.embedded import EmbeddedStore

NS = Namespaces()
FACTS = bundled_dir("data") / "seed" / "FACTS.md"


@pytest.fixture(scope="session")
def ns() -> Namespaces:
    return NS


@pytest.fixture(scope="session")
def seed_store() -> EmbeddedStore:
    """The bundled graph, loaded once; tests must not write to it."""
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    return store


@pytest.fixture
def fresh_store() -> EmbeddedStore:
    """The bundled graph in a store of the test's own, free to change."""
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    return store


def run_kg(
    *args: str, store: Path, input_text: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the real `kg` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kg", "--store", str(store), *args],
        capture_output=True,
        text=True,
        input=input_text,
        env=env,
        timeout=300,
    )


def select(store, sparql: str) -> list[dict[str, str]]:
    """Rows of a SELECT as plain strings (IRIs and literals by their value)."""
    result = store.query(NS.sparql_prologue() + sparql)
    names = [variable.value for variable in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in result]
