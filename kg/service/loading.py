"""Loading RDF into the store: the bundled graph, or files named by the user."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kg.formats import rdf_format_for_path
from kg.namespaces import Namespaces
from kg.rdfio import check_parses
from kg.resources import BundledFile, bundled_files, dataset_files
from kg.service.imports import ImportReport
from kg.service.imports.fbi_lee import import_roster
from kg.service.imports.history import HistoryReport, import_publications
from kg.service.imports.ice_287g import SheetError, read_publications, sheet_files
from kg.service.imports.names import rebuild_names
from kg.store import ProgressCallback, Store


class StepCallback(Protocol):
    """Told each step that follows the files' bytes, as it begins; ``detail`` says how far it
    is, when asked (files read, say)."""

    def __call__(self, label: str, detail: Callable[[], str] | None = None, /) -> None: ...


@dataclass(frozen=True)
class LoadItem:
    """One file to load, and the named graph its default-graph triples go to (None: stay)."""

    path: Path
    graph: str | None


def bundled_items(ns: Namespaces) -> list[LoadItem]:
    return [_item(file, ns) for file in bundled_files()]


def _item(file: BundledFile, ns: Namespaces) -> LoadItem:
    return LoadItem(file.path, ns.iri(file.graph) if file.graph else None)


def user_items(paths: Iterable[Path], graph: str | None) -> list[LoadItem]:
    """Files named by the user; their default-graph triples go to ``graph`` when given."""
    items = []
    for path in paths:
        rdf_format_for_path(path)  # fail on an unknown extension before loading anything
        items.append(LoadItem(path, graph))
    return items


def load_items(
    store: Store,
    ns: Namespaces,
    items: list[LoadItem],
    *,
    replace: bool = False,
    progress: ProgressCallback | None = None,
    step: StepCallback | None = None,
) -> None:
    """Loads all the files or, if any fails to parse, none of them (nor empties the store).

    Each store load is atomic; so that a later file's error cannot leave the earlier ones
    loaded, the files whose failure could come too late (all but the first, or all of them
    when the store is emptied first) are parsed beforehand, in constant memory.
    Relative IRIs in the files resolve against the base IRI, so the bundled files (written
    with relative IRIs) mint every IRI under the configured base. Ends by merging the files
    the loads left (``Store.compact``), as bundled loads and imports do.
    """
    _load(store, ns, items, replace=replace, progress=progress)
    _compact(store, step)


def _compact(store: Store, step: StepCallback | None) -> None:
    if step:
        step("Merging the store's files")
    store.compact()


def _load(
    store: Store,
    ns: Namespaces,
    items: list[LoadItem],
    *,
    replace: bool = False,
    progress: ProgressCallback | None = None,
) -> None:
    for item in items if replace else items[1:]:
        check_parses(item.path, rdf_format_for_path(item.path), base_iri=ns.base)
    if replace:
        store.clear()
    for item in items:
        store.load(
            item.path,
            rdf_format_for_path(item.path),
            graph=item.graph,
            base_iri=ns.base,
            progress=progress,
        )


def total_bytes(items: list[LoadItem]) -> int:
    return sum(item.path.stat().st_size for item in items)


def is_empty(store: Store) -> bool:
    return not store.graphs() and store.count() == 0


def ensure_loaded(store: Store, ns: Namespaces, *, datasets: bool = True) -> bool:
    """Loads the bundled graph (and datasets) into an empty store; True if it did."""
    if not is_empty(store):
        return False
    load_bundled(store, ns, datasets=datasets)
    return True


def import_dataset(
    store: Store, ns: Namespaces, kind: str, path: Path, step: StepCallback | None = None
) -> ImportReport | HistoryReport:
    """Imports a publication of a known dataset: ``fbi-lee`` (the roster's CSV) or
    ``ice-287g`` (one of ICE's sheets, or a folder of them: the files that are not readable
    sheets are skipped, and listed in the report). Then composes the names of the agencies
    no source names in full."""
    report = _import(store, ns, kind, path, step)
    _rebuild_names(store, ns, step)
    _compact(store, step)
    return report


def _import(
    store: Store, ns: Namespaces, kind: str, path: Path, step: StepCallback | None
) -> ImportReport | HistoryReport:
    named = f"{path.name}{'/' if path.is_dir() else ''}"
    if kind == "fbi-lee":
        if step:
            step(f"Importing {kind} from {named}")
        return import_roster(store, ns, path)
    if kind == "ice-287g":
        return _import_sheets(store, ns, path, named, step)
    raise ValueError(f"unknown dataset {kind!r}; known: fbi-lee, ice-287g")


def _import_sheets(
    store: Store, ns: Namespaces, path: Path, named: str, step: StepCallback | None
) -> HistoryReport:
    """ICE's sheets at ``path``, read one by one (the spring's folder of them takes seconds),
    then the program's history built from them and written."""
    files = sheet_files(path)
    read: list[Path] = []  # the files read so far, which the step's detail counts
    if step:
        step(f"Reading ICE's sheets from {named}", lambda: f"{len(read):,} of {len(files):,} files")
    publications, skipped = read_publications(files, read.append)
    if not publications:
        raise skipped[0] if skipped else SheetError(path, "holds no ICE 287(g) sheet")
    if step:
        step(f"Building the 287(g) program's history from {len(publications):,} publications")
    report = import_publications(store, ns, publications)
    report.skipped = skipped
    return report


def load_bundled(
    store: Store,
    ns: Namespaces,
    *,
    datasets: bool = True,
    progress: ProgressCallback | None = None,
    step: StepCallback | None = None,
) -> list[ImportReport | HistoryReport]:
    """The seed graph, then (unless ``datasets`` is False) the bundled public datasets."""
    _load(store, ns, bundled_items(ns), progress=progress)
    reports: list[ImportReport | HistoryReport] = []
    if datasets:
        reports = [_import(store, ns, kind, path, step) for kind, path in dataset_files().items()]
        _rebuild_names(store, ns, step)
    _compact(store, step)
    return reports


def _rebuild_names(store: Store, ns: Namespaces, step: StepCallback | None) -> None:
    if step:
        step("Composing the names of agencies no source names in full")
    rebuild_names(store, ns)
