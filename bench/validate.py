"""Validate-and-commit of a 100-triple contribution, at 10 k and at 1 M triples; and the
review's steps: propose, admit, refuse.

    python bench/validate.py [--runs 15] [--skip-full-at-1m]

The contribution: 5 new policies, each with 3 provisions, issued by existing agencies and
pointing at existing activities (about 100 triples). Each run sends different content (the same
content twice is refused as already contributed). Reported: the median time of the gate plus
the commit; of a proposal (validated, kept on the desk), its admission (validated again and
committed) and a refusal (its record validated and committed); and — as the reference —
pySHACL validating the whole graph once.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from measure import synthetic, table

from kg.namespaces import Namespaces
from kg.service import loading
from kg.service.publish.export import union_graph
from kg.service.write.contributions import PAYLOAD_FORMATS, contribute, parse_payload
from kg.service.write.proposals import admit, propose, refuse
from kg.service.write.validation import validate
from kg.store.embedded import EmbeddedStore
from kg.store.proposals import ProposalDesk

NS = Namespaces()
STEPS = ("median", "propose", "admit", "refuse")  # "median": validate + commit
RULES = [
    ("prohibition", "Prohibition", "take-part-in-raids"),
    ("permission", "Permission", "share-criminal-intelligence"),
    ("obligation", "Duty", "notify-ice-of-arrest"),
]


def contribution(run: int, agencies: int) -> bytes:
    lines = [
        "@prefix pkg: <ontology#> . @prefix odrl: <http://www.w3.org/ns/odrl/2/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
    ]
    for k in range(5):
        agency = f"<id/agency/synth-{(run * 5 + k) % agencies}>"
        policy = f"<id/policy/bench-{run}-{k}>"
        lines.append(
            f'{policy} a pkg:DepartmentPolicy ; rdfs:label "Bench policy {run}-{k}"@en ; '
            f"pkg:issuedBy {agency} ."
        )
        for link, kind, action in RULES:
            rule = f"<id/provision/bench-{run}-{k}-{action}>"
            lines.append(f"{policy} odrl:{link} {rule} .")
            lines.append(
                f'{rule} a odrl:{kind} ; rdfs:label "Bench rule {run}-{k} {action}"@en ; '
                f"odrl:action <vocab/activity/{action}> ; odrl:assignee {agency} ; "
                f'pkg:condition "in benchmark run {run}"@en .'
            )
    return "\n".join(lines).encode()


def measure(agencies: int, runs: int, full: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        store = EmbeddedStore(Path(scratch) / "store")
        loading.load_items(store, NS, loading.bundled_items(NS))
        loading.load_items(store, NS, loading.user_items([synthetic(agencies)], None))
        quads = store.count()
        desk = ProposalDesk(Path(scratch) / "proposals.sqlite")
        source = NS.iri("id/source/synth-0")
        times: dict[str, list[float]] = {step: [] for step in STEPS}

        def timed(step: str, call, *args, **kwargs):
            started = time.perf_counter()
            answer = call(*args, **kwargs)
            times[step].append(time.perf_counter() - started)
            return answer

        for run in range(runs):
            triples = parse_payload(contribution(run, agencies), PAYLOAD_FORMATS["text/turtle"], NS)
            outcome = timed(
                "median", contribute, store, NS, triples, contributor="bench", source=source
            )
            assert outcome.committed and outcome.triples >= 95
            for step, decide in (("admit", admit), ("refuse", refuse)):
                content = contribution(runs * (2 if step == "admit" else 3) + run, agencies)
                triples = parse_payload(content, PAYLOAD_FORMATS["text/turtle"], NS)
                kept = timed(
                    "propose", propose, store, desk, NS, triples, proposer="bench", source=source
                )
                extra = {"reason": "bench"} if step == "refuse" else {}
                timed(step, decide, store, desk, NS, kept.record.id, editor="desk", **extra)
        figures = {"quads": quads, "triples": outcome.triples}
        figures |= {step: statistics.median(values) * 1000 for step, values in times.items()}
        if full:
            started = time.perf_counter()
            validate(union_graph(store), NS)
            figures["full"] = (time.perf_counter() - started) * 1000
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--skip-full-at-1m",
        action="store_true",
        help="skip the full pySHACL reference on the 1 M graph (minutes)",
    )
    args = parser.parse_args()
    small = measure(200, args.runs, full=True)
    large = measure(20_000, args.runs, full=not args.skip_full_at_1m)
    rows = [
        [
            f"{f['quads']:,}",
            str(f["triples"]),
            *(f"{f[step]:.1f}" for step in STEPS),
            f"{f['full'] / 1000:.1f} s" if "full" in f else "skipped",
        ]
        for f in (small, large)
    ]
    headers = ["graph (quads)", "contribution (triples)", "validate + commit, median (ms)",
               "propose (ms)", "admit (ms)", "refuse (ms)", "full pySHACL"]  # fmt: skip
    print(table(headers, rows))
    for step in STEPS:
        print(
            f"{step if step != 'median' else 'validate + commit'}: at 1 M {large[step]:.1f} ms "
            f"(target <= 100 ms); {large[step] / small[step]:.2f}x its time at 10 k "
            "(target <= 2x)."
        )


if __name__ == "__main__":
    main()
