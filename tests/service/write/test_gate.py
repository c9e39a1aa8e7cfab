"""The gate's verdict on a change equals pySHACL's on the whole changed graph."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from kg.service.publish.export import store_dataset, union_graph
from kg.service.write.gate import validate_change
from kg.service.write.validation import validate
from tests.conftest import NS

PKG = Namespace(NS.pkg)
# each example validates the whole seed graph too (about 2.5 s); GATE_EXAMPLES=200 for a longer run
GATE_EXAMPLES = int(os.environ.get("GATE_EXAMPLES", "15"))
DCT = Namespace("http://purl.org/dc/terms/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")

ENTITIES = [
    URIRef(NS.iri(path))
    for path in (
        "id/statement/jessica-tisch-2025-01-18-civil-matter",
        "id/statement/kevin-mcmahill-2025-01-21-not-my-job",
        "id/statement/ice-2025-01-detainers-criticism",
        "id/event/2019-lvmpd-policy-adopted",
        "id/event/2023-lvmpd-policy-amended",
        "id/event/2025-01-20-national-emergency",
        "id/tenure/kevin-mcmahill-lvmpd-sheriff",
        "id/tenure/jessica-tisch-nypd-commissioner",
        "id/post/lvmpd-sheriff",
        "id/post/nypd-commissioner",
        "id/policy/lvmpd-immigration-policy",
        "id/policy/omaha-pd-position",
        "id/provision/nypd-no-location-disclosure",
        "id/provision/lvmpd-no-roundups",
        "id/source/s1",
        "id/source/s3",
        "id/person/tom-homan",
        "id/person/jessica-tisch",
        "id/agency/lvmpd",
        "id/agency/nypd",
        "id/agency/ice",
        "id/place/nevada",
        "id/statement/new-statement",
        "id/event/new-amendment",
        "vocab/activity/status-inquiry",
        "vocab/role/sheriff",
    )
]
PREDICATES = [
    DCT.date,
    DCT.issued,
    PKG.speaker,
    PKG.reportedBy,
    RDFS_LABEL,
    SCHEMA.text,
    RDF.type,
    PKG.changedPolicy,
    SCHEMA.startDate,
    SCHEMA.endDate,
    ORG.organization,
    ORG.member,
    PKG.post,
    ORG.postIn,
    ODRL.action,
    ODRL.prohibition,
    PKG.ori,
    PKG.stateCode,
    PKG.issuedBy,
]
CLASSES = [
    PKG.Quote,
    PKG.Paraphrase,
    PKG.PolicyAdoption,
    PKG.PolicyAmendment,
    PKG.Tenure,
    PKG.Person,
    PKG.Agreement,
    PKG.State,
    ODRL.Prohibition,
]


def dates():
    years = st.integers(2015, 2026)
    return st.one_of(
        years.map(lambda y: Literal(str(y), datatype=XSD.gYear)),
        st.tuples(years, st.integers(1, 12)).map(
            lambda ym: Literal(f"{ym[0]}-{ym[1]:02d}", datatype=XSD.gYearMonth)
        ),
        st.tuples(years, st.integers(1, 12), st.integers(1, 28)).map(
            lambda ymd: Literal(f"{ymd[0]}-{ymd[1]:02d}-{ymd[2]:02d}", datatype=XSD.date)
        ),
        st.just(Literal("about January")),
    )


objects = st.one_of(
    st.sampled_from(ENTITIES),
    st.sampled_from(CLASSES),
    dates(),
    st.sampled_from(
        [Literal("NV"), Literal("Nev"), Literal("NV0020100"), Literal("A label", lang="en")]
    ),
)
additions = st.lists(
    st.tuples(st.sampled_from(ENTITIES), st.sampled_from(PREDICATES), objects), max_size=3
)


@pytest.fixture(scope="module")
def seed_graph(seed_store) -> Graph:
    return union_graph(seed_store)


@pytest.fixture(scope="module")
def removable(seed_graph) -> list:
    entities = {e for e in ENTITIES if not str(e).startswith(NS.iri("vocab/"))}
    return sorted((t for t in seed_graph if t[0] in entities), key=str)


def violations(report) -> set[tuple]:
    return {(v.focus, v.path, v.message) for v in report.violations}


@settings(
    max_examples=GATE_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(added=additions, picks=st.lists(st.integers(0, 10_000), max_size=2))
# a nested shape's result (sh:detail) is not one of the report's own: counted once, not twice
@example(added=[(URIRef(NS.iri("id/source/s3")), DCT.issued, Literal("about January"))], picks=[])
def test_incremental_verdict_equals_full_validation(
    seed_store, seed_graph, removable, added, picks
):
    removed = {removable[pick % len(removable)] for pick in picks}
    full = validate(changed_dataset(seed_store, added, removed - set(added)), NS)
    incremental = validate_change(seed_store, NS, added, removed)
    assert incremental.conforms == full.conforms
    assert violations(incremental) == violations(full)


def test_a_rule_across_nodes_is_caught_from_either_end(seed_store):
    adoption = URIRef(NS.iri("id/event/2019-lvmpd-policy-adopted"))
    report = validate_change(
        seed_store,
        NS,
        [(adoption, DCT.date, Literal("2024", datatype=XSD.gYear))],
        [(adoption, DCT.date, Literal("2019", datatype=XSD.gYear))],
    )
    # the violation is the amendment's, though only the adoption changed
    assert [v.focus for v in report.violations] == ["event:2023-lvmpd-policy-amended"]


@pytest.mark.parametrize("iri", ["A:", "owl:x", "pkg:statement"])
def test_an_iri_that_looks_like_a_curie_is_validated_as_itself(seed_store, seed_graph, iri):
    added = [(URIRef(iri), RDF.type, PKG.Statement)]  # a statement with no speaker, no text
    incremental = validate_change(seed_store, NS, added)
    assert not incremental.conforms
    assert violations(incremental) == violations(validate(changed_dataset(seed_store, added), NS))


def changed_dataset(store, added, removed=()) -> Dataset:
    """The store's graphs as a Dataset, less ``removed`` (from every graph), and ``added`` in a
    graph of its own, as a contribution's would be."""
    dataset = store_dataset(store)
    for triple in removed:
        dataset.remove((*triple, None))
    change = dataset.graph(URIRef("urn:test:change"))
    for triple in added:
        change.add(triple)
    return dataset


def test_at_most_one_date_holds_per_source(seed_store):
    adoption = URIRef(NS.iri("id/event/2019-lvmpd-policy-adopted"))
    # the seed's sources date it 2019; a new source that says 2018 disagrees with them: admitted
    other = validate_change(
        seed_store, NS, [(adoption, DCT.date, Literal("2018", datatype=XSD.gYear))]
    )
    assert violations(other) == set()
    # one source that gives two dates contradicts itself: refused
    both = [
        (adoption, DCT.date, Literal("2018", datatype=XSD.gYear)),
        (adoption, DCT.date, Literal("2017", datatype=XSD.gYear)),
    ]
    report = validate_change(seed_store, NS, both)
    assert [v.message for v in report.violations] == [
        "A source gives an event at most one date (dct:date): this one gives 2017 and 2018."
    ]
