"""Writes a synthetic PolicyKG graph of N agencies, in the project's own vocabulary.

Each agency has a jurisdiction, a head in a post, a policy with three provisions and its
adoption, and a statement by its head; each fact sits in the named graph of one of N/20 news
sources, described in the metadata graph. The graph conforms to the shapes when loaded beside
the bundled ontology and vocabularies. N = 20,000 gives about 1.1 M quads.

    python bench/synth.py 20000 -o bench/out/synth-20000.nq
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

BASE = "https://w3id.org/policykg/"
PKG, ACT, ROLE = BASE + "ontology#", BASE + "vocab/activity/", BASE + "vocab/role/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT, ORG, PROV = (
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/prov#",
)
SCHEMA, ODRL, SKOS = (
    "https://schema.org/",
    "http://www.w3.org/ns/odrl/2/",
    "http://www.w3.org/2004/02/skos/core#",
)
STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]
RULES = [
    ("prohibition", "Prohibition", "take-part-in-raids", "solely on immigration status"),
    ("permission", "Permission", "share-criminal-intelligence", "on transnational crime"),
    ("obligation", "Duty", "notify-ice-of-arrest", "when arrested for a violent felony"),
]


def iri(value: str) -> str:
    return f"<{value}>"


def text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


class Writer:
    def __init__(self, out) -> None:
        self.out = out
        self.count = 0

    def quad(self, s: str, p: str, o: str, g: str) -> None:
        self.out.write(f"{s} {iri(p)} {o} {g} .\n")
        self.count += 1


def write_sources(w: Writer, sources: int) -> None:
    meta = iri(BASE + "graph/meta")
    w.quad(meta, RDF_TYPE, iri(PROV + "Bundle"), meta)
    w.quad(meta, LABEL, text("Synthetic metadata graph"), meta)
    for k in range(sources):
        source, graph = iri(f"{BASE}id/source/synth-{k}"), iri(f"{BASE}graph/source/synth-{k}")
        w.quad(graph, RDF_TYPE, iri(PKG + "SourceGraph"), meta)
        w.quad(graph, LABEL, text(f"Facts reported by synthetic source {k}"), meta)
        w.quad(graph, PROV + "wasDerivedFrom", source, meta)
        w.quad(source, RDF_TYPE, iri(PKG + "NewsArticle"), meta)
        w.quad(source, LABEL, text(f"Synthetic article {k}"), meta)
        w.quad(source, DCT + "title", text(f"Synthetic article {k}"), meta)
        w.quad(source, DCT + "issued", typed("2025-02-01", "date"), meta)
        w.quad(source, SKOS + "notation", f'"X{k}"', meta)


def write_states(w: Writer) -> None:
    graph = iri(BASE + "graph/source/synth-0")
    for code in STATES:
        state = iri(f"{BASE}id/place/state-{code.lower()}")
        w.quad(state, RDF_TYPE, iri(PKG + "State"), graph)
        w.quad(state, LABEL, text(f"State {code}"), graph)
        w.quad(state, PKG + "stateCode", f'"{code}"', graph)


def write_agency(w: Writer, i: int, sources: int) -> None:
    g = iri(f"{BASE}graph/source/synth-{i % sources}")
    source = iri(f"{BASE}id/source/synth-{i % sources}")
    code = STATES[i % len(STATES)]
    agency, city = iri(f"{BASE}id/agency/synth-{i}"), iri(f"{BASE}id/place/synth-city-{i}")
    post, person = iri(f"{BASE}id/post/synth-{i}-head"), iri(f"{BASE}id/person/synth-head-{i}")
    tenure, policy = iri(f"{BASE}id/tenure/synth-{i}-head"), iri(f"{BASE}id/policy/synth-{i}")
    sheriff = i % 2 == 1
    w.quad(agency, RDF_TYPE, iri(PKG + ("SheriffsOffice" if sheriff else "PoliceDepartment")), g)
    w.quad(agency, LABEL, text(f"Synthetic agency {i}"), g)
    w.quad(agency, PKG + "jurisdiction", city, g)
    w.quad(agency, PKG + "ori", f'"{code}{i:07d}"', g)
    w.quad(city, RDF_TYPE, iri(PKG + "City"), g)
    w.quad(city, LABEL, text(f"Synthetic city {i}"), g)
    w.quad(city, SCHEMA + "containedInPlace", iri(f"{BASE}id/place/state-{code.lower()}"), g)
    role = iri(ROLE + ("sheriff" if sheriff else "police-chief"))
    w.quad(post, RDF_TYPE, iri(ORG + "Post"), g)
    w.quad(post, LABEL, text(f"Head of synthetic agency {i}"), g)
    w.quad(post, ORG + "postIn", agency, g)
    w.quad(post, ORG + "role", role, g)
    w.quad(person, RDF_TYPE, iri(PKG + "Person"), g)
    w.quad(person, LABEL, text(f"Synthetic head {i}"), g)
    w.quad(person, ORG + "headOf", agency, g)
    w.quad(tenure, RDF_TYPE, iri(PKG + "Tenure"), g)
    w.quad(tenure, LABEL, text(f"Synthetic head {i}, head of agency {i}"), g)
    w.quad(tenure, ORG + "member", person, g)
    w.quad(tenure, ORG + "organization", agency, g)
    w.quad(tenure, ORG + "role", role, g)
    w.quad(tenure, PKG + "post", post, g)
    w.quad(tenure, SCHEMA + "startDate", typed(str(2000 + i % 25), "gYear"), g)
    w.quad(policy, RDF_TYPE, iri(PKG + "DepartmentPolicy"), g)
    w.quad(policy, LABEL, text(f"Policy of synthetic agency {i}"), g)
    w.quad(policy, PKG + "issuedBy", agency, g)
    for link, kind, action, condition in RULES:
        rule = iri(f"{BASE}id/provision/synth-{i}-{action}")
        w.quad(policy, ODRL + link, rule, g)
        w.quad(rule, RDF_TYPE, iri(ODRL + kind), g)
        w.quad(rule, LABEL, text(f"Agency {i}: {kind.lower()} of {action}"), g)
        w.quad(rule, ODRL + "action", iri(ACT + action), g)
        w.quad(rule, ODRL + "assignee", agency, g)
        w.quad(rule, PKG + "condition", text(condition), g)
    adoption = iri(f"{BASE}id/event/synth-{i}-adopted")
    w.quad(adoption, RDF_TYPE, iri(PKG + "PolicyAdoption"), g)
    w.quad(adoption, LABEL, text(f"Policy of synthetic agency {i} adopted"), g)
    w.quad(adoption, PKG + "changedPolicy", policy, g)
    w.quad(adoption, PROV + "wasAssociatedWith", agency, g)
    w.quad(adoption, DCT + "date", typed(f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}", "date"), g)
    w.quad(adoption, PKG + "reportedBy", source, g)
    statement = iri(f"{BASE}id/statement/synth-{i}")
    w.quad(statement, RDF_TYPE, iri(PKG + "Quote"), g)
    w.quad(statement, LABEL, text(f"Synthetic head {i}: a statement"), g)
    w.quad(
        statement, SCHEMA + "text", text(f"Statement number {i} about immigration enforcement."), g
    )
    w.quad(statement, PKG + "speaker", person, g)
    w.quad(statement, DCT + "date", typed("2025-01-21", "date"), g)
    w.quad(statement, PKG + "about", policy, g)
    w.quad(statement, PKG + "reportedBy", source, g)


def generate(agencies: int, out) -> int:
    writer = Writer(out)
    sources = max(1, agencies // 20)
    write_sources(writer, sources)
    write_states(writer)
    for i in range(agencies):
        write_agency(writer, i, sources)
    return writer.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("agencies", type=int, help="number of agencies (20000 ≈ 1.1 M quads)")
    parser.add_argument("-o", "--output", type=Path, help="N-Quads file to write [default: stdout]")
    args = parser.parse_args()
    if args.output is None:
        count = generate(args.agencies, sys.stdout)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("w", encoding="utf-8") as out:
            count = generate(args.agencies, out)
    print(f"{count:,} quads", file=sys.stderr)


if __name__ == "__main__":
    main()
