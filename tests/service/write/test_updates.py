"""Computing what an update would do: the quick reading of INSERT DATA agrees with rdflib's."""

from __future__ import annotations

import pytest
from rdflib import BNode

from kg.service.write.updates import effect, translated_effect
from tests.conftest import NS

INSERTS = """PREFIX ex: <https://example.org/>
# a comment that says DELETE WHERE
INSERT DATA { ex:a ex:p "DELETE { }"@en , 3 , "x"^^ex:t ; ex:q <relative> .
  GRAPH ex:g { ex:b ex:insert ex:where , "two\\nlines" } } ;
INSERT DATA { GRAPH <https://example.org/h> { ex:c ex:p ex:d } }"""


def without_blank_nodes(change):
    return {q for q in change.added if not any(isinstance(t, BNode) for t in q)}


def test_inserted_data_is_read_as_rdflib_reads_it(seed_store):
    quick, translated = effect(seed_store, NS, INSERTS), translated_effect(seed_store, NS, INSERTS)
    assert quick.added == translated.added and len(quick.added) == 7
    assert not quick.removed and not quick.drops


def test_blank_nodes_are_kept_as_blank_nodes(seed_store):
    update = "INSERT DATA { _:x <https://example.org/p> _:y . _:x <https://example.org/q> 1 }"
    added = effect(seed_store, NS, update).added
    subjects = {s for s, _p, _o, _g in added}
    assert len(added) == 2 and len(subjects) == 1 and isinstance(subjects.pop(), BNode)


@pytest.mark.parametrize(
    "update",
    [
        INSERTS + " ; DELETE DATA { <https://example.org/a> <https://example.org/p> 3 }",
        "INSERT { <https://example.org/a> <https://example.org/p> ?o } WHERE { ?s ?p ?o } ",
        INSERTS + " ; DROP SILENT GRAPH <https://example.org/g>",
    ],
)
def test_anything_else_takes_the_full_reading(seed_store, update):
    assert effect(seed_store, NS, update) == translated_effect(seed_store, NS, update)
