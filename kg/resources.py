"""Where the bundled ontology, vocabularies, shapes, data and named queries live.

In a wheel they sit in ``kg/_bundled``; in a checkout (or an editable install) at the top of
the repository, beside ``kg/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The directory ``ontology``, ``shapes`` or ``data``, wherever this install keeps it."""
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the bundled {name!r} directory is missing from this install")


@dataclass(frozen=True)
class BundledFile:
    """A file of the bundled graph and the named graph (relative to the base) it loads into.

    Files in a quad format (TriG) name their own graphs: their ``graph`` is None.
    """

    path: Path
    graph: str | None


def ontology_files() -> list[BundledFile]:
    ontology = bundled_dir("ontology")
    return [
        BundledFile(ontology / "policykg.ttl", "graph/ontology"),
        BundledFile(ontology / "activities.ttl", "graph/vocab/activity"),
        BundledFile(ontology / "roles.ttl", "graph/vocab/role"),
        BundledFile(ontology / "agreement-statuses.ttl", "graph/vocab/agreement-status"),
    ]


def seed_files() -> list[BundledFile]:
    seed = bundled_dir("data") / "seed"
    return [BundledFile(path, None) for path in sorted(seed.glob("*.trig"))]


def bundled_files() -> list[BundledFile]:
    """Everything `kg load` loads when no file is named."""
    return ontology_files() + seed_files()


def dataset_files() -> dict[str, Path]:
    """The public datasets `kg load` imports, in the order they reconcile: the FBI roster,
    then the folder of ICE's publications."""
    sources = bundled_dir("data") / "sources"
    return {
        "fbi-lee": sources / "fbi-lee" / "fbi-law-enforcement-employees-2025.csv",
        "ice-287g": sources / "ice-287g",
    }


def shape_files() -> list[Path]:
    return sorted(bundled_dir("shapes").glob("*.ttl"))


def queries_dir() -> Path:
    return _PACKAGE_DIR / "queries"
