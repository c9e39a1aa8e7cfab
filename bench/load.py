"""`kg load` against `oxigraph load` on the same synthetic graph, side by side in one run.

    python bench/load.py [--agencies 20000] [--repeat 3]

Target: kg load within 1.3x of oxigraph load's time. Peak memory of each process is reported.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from measure import Run, run, save, synthetic, table


def kg_load(data: Path, store: Path) -> Run:
    return run([sys.executable, "-m", "kg", "--quiet", "--store", str(store), "load", str(data)])


def oxigraph_load(data: Path, store: Path) -> Run:
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    return run([oxigraph, "load", "--location", str(store), "--file", str(data)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = synthetic(args.agencies)
    quads = sum(1 for _ in data.open("rb"))
    runs: dict[str, list[Run]] = {"kg load": [], "oxigraph load": []}
    for _ in range(args.repeat):  # interleaved, so both see the same machine
        for name, load in (("kg load", kg_load), ("oxigraph load", oxigraph_load)):
            with tempfile.TemporaryDirectory() as scratch:
                runs[name].append(load(data, Path(scratch) / "store"))
    medians = {name: statistics.median(r.seconds for r in rs) for name, rs in runs.items()}
    peaks = {name: max(r.peak_mb for r in rs) for name, rs in runs.items()}
    ratio = medians["kg load"] / medians["oxigraph load"]
    rows = [
        [name, f"{medians[name]:.2f}", f"{quads / medians[name]:,.0f}", f"{peaks[name]:,.0f}"]
        for name in runs
    ]
    print(f"Loading {quads:,} quads ({data.name}), median of {args.repeat} runs\n")
    print(table(["command", "seconds", "quads/s", "peak MB"], rows))
    print(f"\nkg load / oxigraph load: {ratio:.2f}x (target <= 1.30x)")
    save("load", {"quads": quads, "seconds": medians, "peak_mb": peaks, "ratio": ratio})


if __name__ == "__main__":
    main()
