"""Measuring commands side by side: wall time and peak memory of a child process."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# Runs a command and prints its peak RSS (kB): getrusage of this wrapper's only child.
_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


@dataclass
class Run:
    seconds: float
    peak_mb: float


def run(command: list[str], env: dict[str, str] | None = None) -> Run:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return Run(seconds, int(result.stdout.split()[-1]) / 1024)


def synthetic(agencies: int) -> Path:
    """The synthetic graph of ``agencies`` agencies, written once into bench/out/."""
    path = Path(__file__).parent / "out" / f"synth-{agencies}.nq"
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).parent / "synth.py"),
                str(agencies),
                "-o",
                str(path),
            ],
            check=True,
        )
    return path


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join(lines)


def save(name: str, figures: dict) -> None:
    out = Path(__file__).parent / "out" / f"{name}.json"
    out.write_text(json.dumps(figures, indent=2))


PAGE = os.sysconf("SC_PAGE_SIZE")


class Server:
    def __init__(
        self,
        name: str,
        command: list[str],
        url: str,
        env: dict | None = None,
        log: Path | None = None,
    ) -> None:
        self.name, self.url = name, url
        output = log.open("wb") if log else subprocess.DEVNULL  # the server's own log, if kept
        self.process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.get("ASK {}")
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{name} did not start")

    def get(self, query: str, accept: str = "application/sparql-results+json") -> bytes:
        url = self.url + "?" + urllib.parse.urlencode({"query": query})
        request = urllib.request.Request(url, headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.read()

    def rss_mb(self) -> float:
        """Resident memory of the server and all its descendants (workers, their helpers)."""
        pids, total = [self.process.pid], 0
        while pids:
            pid = pids.pop()
            with contextlib.suppress(FileNotFoundError):  # a process that ended meanwhile
                for task in Path(f"/proc/{pid}/task").iterdir():  # every thread's children:
                    pids += [int(child) for child in (task / "children").read_text().split()]
                # statm, not status: status waits on a process busy mapping memory
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        return total / 2**20

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:  # requests still held: the figures are taken already
            self.process.kill()
            self.process.wait()
