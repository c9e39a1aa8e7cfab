"""Search: any entity by the words people know it by — its name, alternate names, ORI, place,
a quote's words, a source's title — ranked so that the obvious answer comes first.

The engine is tantivy (chosen by measurement over SQLite's FTS5: bench/search.py), an index in
memory built from the store and rebuilt when the store's generation moves (a write here, or a
`kg load` by another process). Every word must be found, as a prefix of a word of some field
("sherif" finds "Sheriff"); when none is, names one or two edits away are ("maricpoa" finds
"Maricopa"). A user's text never reaches a query syntax: it is cut into words, each a term.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import asdict, dataclass

import tantivy

from kg.namespaces import Namespaces
from kg.service.publish.entities import KIND_ROOTS, KINDS
from kg.service.query.queries import select_rows
from kg.store import Store

MAX_QUERY = 500  # characters
MAX_LIMIT = 100
# Among equal matches, the kinds people look for first.
KIND_ORDER = ["organization", "person", "policy", "place", "source", "statement", "event"]
# The fields searched, and their weights: a name counts most, then an ORI or an alternate
# name, then the rest.
FIELDS = ("label", "names", "ori", "place", "text")
WEIGHTS = (10.0, 6.0, 10.0, 2.0, 1.0)


class SearchError(ValueError):
    """A search that cannot be run as asked (empty, too long, a bad limit or kind)."""


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    kind: str
    state: str | None
    why: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class _Entity:
    label: str
    kind: str
    names: set[str]
    ori: str = ""
    state: str = ""
    place: str = ""
    text: str = ""
    weight: int = 0  # the agreements and policies it issues


def normalize(text: str) -> str:
    """Lower case, accents and punctuation gone: how names are compared."""
    unquoted = text.replace("'", "").replace("\u2019", "")  # Sheriff's: one word, sheriffs
    ascii_text = unicodedata.normalize("NFKD", unquoted).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"\w+", ascii_text.lower()))


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", normalize(text))


def _trigrams(text: str) -> set[str]:
    joined = f" {normalize(text)} "
    return {joined[i : i + 3] for i in range(len(joined) - 2)} - {"   "}


class SearchIndex:
    """The store's entities in a tantivy index in memory, rebuilt when the store has moved
    on."""

    def __init__(self, store: Store, ns: Namespaces) -> None:
        self.store, self.ns = store, ns
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._searcher: tantivy.Searcher | None = None
        self._schema: tantivy.Schema | None = None
        self._entities: dict[str, _Entity] = {}

    def refresh(self) -> None:
        """Rebuilds the index now if the store has moved on since it was built."""
        with self._lock:
            self._refresh()

    def search(self, text: str, *, kind: str | None = None, limit: int = 20) -> list[Hit]:
        words = _checked(text, kind, limit)
        with self._lock:
            self._refresh()
            found = self._by_words(words, kind, limit) if words else {}
            if not found:  # a typo, perhaps
                found = self._by_typos(words, kind, limit)
            ranked = sorted(found, key=lambda iri: self._rank(iri, found[iri], text))
            return [self._hit(iri, found[iri][0]) for iri in ranked[:limit]]

    # --- the index --------------------------------------------------------------------------

    def _refresh(self) -> None:
        generation = self.store.generation
        if self._searcher is not None and generation == self._generation:
            return
        self._entities = _entities(self.store, self.ns)
        builder = tantivy.SchemaBuilder()
        for field in ("iri", "kind"):
            builder.add_text_field(field, stored=True, tokenizer_name="raw")
        for field in FIELDS:
            builder.add_text_field(field, stored=False)
        self._schema = builder.build()
        index = tantivy.Index(self._schema)  # in memory
        writer = index.writer(heap_size=64_000_000, num_threads=1)
        for iri, e in self._entities.items():
            # as queries are read: "Sheriff's" is the one word "sheriffs"
            texts = map(normalize, (e.label, " ".join(e.names), e.ori, e.place, e.text))
            writer.add_document(
                tantivy.Document(iri=iri, kind=e.kind, **dict(zip(FIELDS, texts, strict=True)))
            )
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self._searcher, self._generation = index.searcher(), generation

    def _query(self, words: list[str], kind: str | None, *, fuzzy: bool) -> tantivy.Query:
        """Every word in some field (a prefix of a word there; or, ``fuzzy``, a word one or
        two edits away in a name), fields weighted as WEIGHTS says."""
        Q, schema = tantivy.Query, self._schema
        fields = ("label", "names") if fuzzy else FIELDS
        each = []
        for word in words:
            distance = (2 if len(word) > 7 else 1) if fuzzy else 0
            alternatives = [
                Q.boost_query(
                    Q.fuzzy_term_query(schema, field, word, distance, True, not fuzzy),
                    WEIGHTS[FIELDS.index(field)],
                )
                for field in fields
            ]
            each.append((tantivy.Occur.Must, Q.disjunction_max_query(alternatives)))
        if kind:
            each.append((tantivy.Occur.Must, Q.term_query(schema, "kind", kind)))
        return Q.boolean_query(each)

    def _found(self, query: tantivy.Query, count: int) -> list[tuple[str, float]]:
        searcher = self._searcher
        return [
            (searcher.doc(address)["iri"][0], score)
            for score, address in searcher.search(query, count).hits
        ]

    def _by_words(self, words: list[str], kind: str | None, limit: int) -> dict[str, tuple]:
        hits = self._found(self._query(words, kind, fuzzy=False), limit * 10)
        return {iri: (self._why(iri, words), -score) for iri, score in hits}

    def _by_typos(self, words: list[str], kind: str | None, limit: int) -> dict[str, tuple]:
        words = [word for word in words if len(word) >= 3]
        hits = self._found(self._query(words, kind, fuzzy=True), limit * 5) if words else []
        return {iri: ("a name spelled alike", -score) for iri, score in hits}

    # --- ranking ----------------------------------------------------------------------------

    def _why(self, iri: str, words: list[str]) -> str:
        entity, query = self._entities[iri], " ".join(words)
        label_words = words_of(entity.label)
        if entity.ori and query == entity.ori.lower():
            return "ORI"
        if normalize(entity.label) == query:
            return "name"
        if all(any(w.startswith(word) for w in label_words) for word in words):
            return "name, in part"
        if any(normalize(name) == query for name in entity.names):
            return "alternate name"
        if all(
            any(w.startswith(word) for n in entity.names for w in words_of(n)) for word in words
        ):
            return "alternate name, in part"
        if entity.text and all(word in words_of(entity.text) for word in words):
            return "its words" if entity.kind == "statement" else "its title"
        return "its place" if entity.place else "its description"

    def _rank(self, iri: str, found: tuple, text: str) -> tuple:
        why, score = found
        entity = self._entities[iri]
        exact = why in ("ORI", "name", "alternate name")
        similarity = 0.0
        if why == "a name spelled alike":
            query = _trigrams(text)  # how much of what was typed the name holds
            similarity = max(
                len(query & _trigrams(name)) / len(query) for name in {entity.label, *entity.names}
            )
        partial = why in ("name, in part", "alternate name, in part")
        return (
            not exact,
            why == "a name spelled alike",  # words found before names spelled alike
            -similarity,
            not partial,  # a name before a quote's words, a title, a place
            -min(entity.weight, 1),  # an agency that holds agreements or policies first
            KIND_ORDER.index(entity.kind) if entity.kind in KIND_ORDER else len(KIND_ORDER),
            score,
            entity.label,
        )

    def _hit(self, iri: str, why: str) -> Hit:
        entity = self._entities[iri]
        return Hit(iri, entity.label, entity.kind, entity.state or None, why)


def _checked(text: str, kind: str | None, limit: int) -> list[str]:
    if not text or not text.strip():
        raise SearchError("nothing to search for: give some words")
    if len(text) > MAX_QUERY:
        raise SearchError(f"a search is at most {MAX_QUERY} characters; this one has {len(text)}")
    if kind is not None and kind not in KINDS:
        raise SearchError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"limit must be between 1 and {MAX_LIMIT}")
    return words_of(text)


_CLASSES = """SELECT DISTINCT ?class ?kind WHERE {
  VALUES (?root ?kind) { %s } ?class rdfs:subClassOf* ?root }"""
_FACETS = {
    "names": "?s schema:alternateName|skos:altLabel|skos:notation ?value",
    "ori": "?s pkg:ori ?value",
    "places": "?s pkg:jurisdiction|pkg:county|pkg:state ?value",
    "codes": "?s pkg:stateCode ?value",
    "text": "?s schema:text|dct:title|skos:definition ?value",
    "weight": "?s ^pkg:issuedBy ?value",
}


def _entities(store: Store, ns: Namespaces) -> dict[str, _Entity]:
    """Every labelled entity of a kind with a page, with what it is searched by."""
    roots = " ".join(f'({root} "{kind}")' for kind, root in KIND_ROOTS.items())
    kinds: dict[str, str] = {}  # class → the first kind it is of, in the order of KINDS
    for row in select_rows(store, ns, _CLASSES % roots):
        known = kinds.get(row["class"])
        if known is None or KINDS.index(row["kind"]) < KINDS.index(known):
            kinds[row["class"]] = row["kind"]
    classes = " ".join(f"<{iri}>" for iri in kinds)
    entities: dict[str, _Entity] = {}
    for row in select_rows(
        store,
        ns,
        f"""SELECT DISTINCT ?s ?label ?class WHERE {{ VALUES ?class {{ {classes} }}
            ?s a ?class ; rdfs:label|skos:prefLabel ?label FILTER (isIRI(?s)) }}""",
    ):
        kind, entity = kinds[row["class"]], entities.get(row["s"])
        if entity is None:
            entities[row["s"]] = _Entity(row["label"], kind, set())
        elif KINDS.index(kind) < KINDS.index(entity.kind):
            entity.kind = kind
        if entity is not None and row["label"] != entity.label:
            entity.names.add(row["label"])
    facets = {
        facet: select_rows(store, ns, f"SELECT DISTINCT ?s ?value WHERE {{ {pattern} }}")
        for facet, pattern in _FACETS.items()
    }
    codes = {row["s"]: row["value"] for row in facets.pop("codes")}
    for facet, rows in facets.items():
        for row in rows:
            entity, value = entities.get(row["s"]), row["value"]
            if entity is None or value is None:
                continue
            if facet == "names":
                entity.names.add(value)
            elif facet == "weight":
                entity.weight += 1
            elif facet == "ori":
                entity.ori = value
            elif facet == "places":
                entity.state = codes.get(value, entity.state)
                place = entities.get(value)
                entity.place = f"{entity.place} {place.label}".strip() if place else entity.place
            else:
                entity.text = f"{entity.text} {value}".strip()
    for entity in entities.values():
        entity.names.discard(entity.label)
    return entities
