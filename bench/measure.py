"""Measuring commands side by side: wall time and peak memory of a child process."""

from __future__ import annotations

import contextlib
import json
import os
import re
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


def wrk(
    url: str,
    seconds: int,
    *,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    connections: int = 8,
) -> float:
    """Requests a second that wrk measured at ``connections`` clients on loopback; stops the
    bench if any answer was not 2xx or 3xx (a figure of errors is no figure)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} errors from {url}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def paths_script(paths: list[str], accept: str, directory: Path) -> Path:
    """A wrk script asking for one of ``paths`` at random each time."""
    listed = directory / "paths.txt"
    listed.write_text("\n".join(paths) + "\n")
    script = directory / "paths.lua"
    script.write_text(
        f"""local paths = {{}}
for line in io.lines("{listed}") do paths[#paths + 1] = line end
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {{["Accept"] = "{accept}"}})
end
"""
    )
    return script


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


def descendants(pid: int) -> list[int]:
    """The process and all its descendants (workers, their helpers)."""
    pids, found = [pid], []
    while pids:
        pid = pids.pop()
        found.append(pid)
        with contextlib.suppress(FileNotFoundError):  # a process that ended meanwhile
            for task in Path(f"/proc/{pid}/task").iterdir():  # every thread's children
                pids += [int(child) for child in (task / "children").read_text().split()]
    return found


def started_at(pid: int) -> float:
    """When the process started, in seconds since the epoch."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    booted = float(Path("/proc/uptime").read_text().split()[0])
    return time.time() - booted + ticks / os.sysconf("SC_CLK_TCK")


def processor_seconds(pid: int) -> float:
    """Processor time used so far by the process and its descendants alive now."""
    ticks = 0
    for each in descendants(pid):
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


WARMING_STARTS = 15  # seconds: kg serve warms a generation once it has lasted 10 s


def settle(pid: int, timeout: float = 600) -> None:
    """Waits until a server's processes are idle (under a tenth of a core for a second) and
    have been up WARMING_STARTS seconds: `kg serve` warms each generation's search index and
    catalogues in the background, and a figure taken meanwhile measures the warming too."""
    deadline = time.monotonic() + timeout
    time.sleep(max(0.0, WARMING_STARTS - (time.time() - started_at(pid))))
    before = processor_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = processor_seconds(pid)
        if now - before < 0.1:
            return
        before = now


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

    def settle(self) -> None:
        settle(self.process.pid)

    def rss_mb(self) -> float:
        """Resident memory of the server and all its descendants (workers, their helpers)."""
        total = 0
        for pid in descendants(self.process.pid):
            with contextlib.suppress(FileNotFoundError):  # a process that ended meanwhile
                # statm, not status: status waits on a process busy mapping memory
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        return total / 2**20

    def pss_mb(self) -> float:
        """Proportional set size of the server and all its descendants: a page that several
        processes share (a library, the interpreter) counts once, as the machine holds it."""
        total = 0
        for pid in descendants(self.process.pid):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                pss = [line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")]
                total += int(pss[0]) * 1024 if pss else 0
        return total / 2**20

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:  # requests still held: the figures are taken already
            self.process.kill()
            self.process.wait()
