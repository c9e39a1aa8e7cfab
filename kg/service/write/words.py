"""Facts in words, for an editor reading a proposal: "Jessica Tisch said: “…”", "LVMPD
immigration policy prohibits honoring immigration detainers", each name from the proposal's
own labels or the graph's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from rdflib import RDF, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import STANDARD_PREFIXES, Namespaces
from kg.service.publish.entities import RULE_KINDS, labels
from kg.service.write.gate import Triple
from kg.store import Store

ODRL, SCHEMA, DCT = (STANDARD_PREFIXES[name] for name in ("odrl", "schema", "dct"))
LABELS = (STANDARD_PREFIXES["rdfs"] + "label", STANDARD_PREFIXES["skos"] + "prefLabel")


def in_words(store: Store, ns: Namespaces, triples: list[Triple]) -> list[str]:
    """One sentence per statement, provision and new entity; then the other facts."""
    about: dict[Node, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        about[s][str(p)].append(o)
    iris = {str(t) for triple in triples for t in triple if isinstance(t, URIRef)}
    named = labels(store, ns, iris)
    for s, p, o in triples:  # the proposal's own names first
        if str(p) in LABELS and isinstance(o, Literal):
            named[str(s)] = str(o)

    def name(term: Node) -> str:
        if isinstance(term, Literal):
            return str(term)
        return named.get(str(term)) or ns.compact(str(term))

    sentences: list[str] = []
    told: set[tuple[Node, str]] = set()  # (subject, predicate) already said
    for subject, facts in about.items():
        speakers, words = facts.get(ns.pkg + "speaker"), facts.get(SCHEMA + "text")
        if speakers and words:
            verb = (
                "said"
                if ns.pkg + "Quote" in map(str, facts.get(str(RDF.type), []))
                else "said, in the source's words,"
            )
            dates = facts.get(DCT + "date")
            when = f" ({name(dates[0])})" if dates else ""
            sentences.append(f"{name(speakers[0])} {verb}{when}: “{name(words[0])}”")
            told |= {(subject, ns.pkg + "speaker"), (subject, SCHEMA + "text")}
            told |= {(subject, DCT + "date"), (subject, str(RDF.type))}
        for link, verb in RULE_KINDS.items():
            for rule in facts.get(ODRL + link, []):
                rule_facts = about.get(rule, {})
                sentences.append(f"{name(subject)} {verb} {_rule(ns, rule_facts, name)}")
                told.add((subject, ODRL + link))
                told |= {(rule, predicate) for predicate in (*rule_facts, str(RDF.type))}
    for subject, facts in about.items():
        if (subject, str(RDF.type)) not in told:
            for kind in facts.get(str(RDF.type), []):
                sentences.append(f"{name(subject)} is a {name(kind)}")
        for predicate, objects in facts.items():
            if predicate == str(RDF.type) or predicate in LABELS or (subject, predicate) in told:
                continue
            said = ", ".join(name(o) for o in objects)
            sentences.append(f"{name(subject)} — {name(URIRef(predicate))}: {said}")
    return sentences


def _rule(ns: Namespaces, facts: dict[str, list[Node]], name: Callable[[Node], str]) -> str:
    """What a provision is about: its activity, with whom, under which condition, except when."""
    actions = facts.get(ODRL + "action", [])
    words = name(actions[0]) if actions else "(an activity not given)"
    for key in ("counterparty", "condition", "exception"):
        for value in facts.get(ns.pkg + key, []):
            words += f"; {key}: {name(value)}"
    return words
