"""Shared fixtures: the bundled graph in a real (in-memory or on-disk) Oxigraph store."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers

from kg.namespaces import Namespaces
from kg.resources import bundled_dir
from kg.service import loading
from kg.store import Store
from kg.store.embedded import EmbeddedStore
from kg.store.remote import SparqlStore

NS = Namespaces()
FACTS = bundled_dir("data") / "seed" / "FACTS.md"


@pytest.fixture(scope="session")
def ns() -> Namespaces:
    return NS


@pytest.fixture(scope="session")
def seed_store() -> EmbeddedStore:
    """The bundled graph, loaded once; tests must not write to it."""
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    return store


@pytest.fixture
def fresh_store() -> EmbeddedStore:
    """The bundled graph in a store of the test's own, free to change."""
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    return store


def run_kg(
    *args: str, store: Path, input_text: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the real `kg` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kg", "--store", str(store), *args],
        capture_output=True,
        text=True,
        input=input_text,
        env=env,
        timeout=300,
    )


def select(store, sparql: str) -> list[dict[str, str]]:
    """Rows of a SELECT as plain strings (IRIs and literals by their value)."""
    result = store.query(NS.sparql_prologue() + sparql)
    names = [variable.value for variable in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in result]


TOKEN = "s3cret-test-token"
CONTRIBUTOR_TOKEN = "a-contributor-test-token"
TOKENS = f"tester:{TOKEN},other:another-test-token,reader:{CONTRIBUTOR_TOKEN}:contributor"


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started, from any of its threads (query helpers are started by
    request threads); none if it has ended."""
    found: list[int] = []
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def stat_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` after the command name: state first (field 3), utime at 11; None if
    the process has ended."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """`kg serve` running in a subprocess on 127.0.0.1."""

    url: str
    store: Path
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class RemoteServer:
    """A real SPARQL 1.1 server on 127.0.0.1 for the sparql backend, with a throw-away database
    in ``location``; a test may stop it and start it again. Subclasses say how to run one."""

    query_path = update_path = gsp_path = ""

    def __init__(self, location: Path) -> None:
        self.location, self.port = location, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        location.mkdir(parents=True, exist_ok=True)
        self.start()
        self.prepared()

    def command(self) -> list[str]:
        raise NotImplementedError

    def prepared(self) -> None:
        """What the new database needs before PolicyKG may use it."""

    @property
    def env(self) -> dict[str, str]:
        """How `kg` reaches it."""
        return {
            "KG_BACKEND": "sparql",
            "KG_QUERY_URL": self.url + self.query_path,
            "KG_UPDATE_URL": self.url + self.update_path,
            "KG_GSP_URL": self.url + self.gsp_path,
        }

    def store(self, state_dir: Path) -> SparqlStore:
        return SparqlStore(
            self.url + self.query_path,
            update_url=self.url + self.update_path,
            gsp_url=self.url + self.gsp_path,
            state_dir=state_dir,
        )

    def start(self) -> None:
        log = (self.location / "server.log").open("a")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                probe = f"{self.url}{self.query_path}?query=ASK%7B%7D"
                urllib.request.urlopen(probe, timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.command()[0]} did not start: see {log.name}")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None


class OxigraphServer(RemoteServer):
    """`oxigraph serve --union-default-graph`, from the oxigraph package on PyPI."""

    query_path, update_path, gsp_path = "/query", "/update", "/store"

    def command(self) -> list[str]:
        oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        return [
            oxigraph,
            "serve",
            "--location",
            str(self.location / "db"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--union-default-graph",
        ]


class VirtuosoServer(RemoteServer):
    """Virtuoso Open Source from Debian (apt-get install virtuoso-opensource), whose default
    graph is the union of its graphs."""

    query_path = update_path = "/sparql"
    gsp_path = "/sparql-graph-crud"

    def command(self) -> list[str]:
        if not hasattr(self, "sql_port"):
            self.sql_port = free_port()
        ini = self.location / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(db=self.location, sql=self.sql_port, http=self.port))
        return ["virtuoso-t", "+foreground", "+configfile", str(ini)]

    def prepared(self) -> None:
        # SPARQL writes through the endpoint are the "SPARQL" account's, refused by default
        grant = 'grant SPARQL_UPDATE to "SPARQL";'
        subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={grant}"],
            check=True,
            capture_output=True,
            timeout=60,
        )


VIRTUOSO_INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""
SERVERS = {"oxigraph-serve": OxigraphServer, "virtuoso": VirtuosoServer}
BACKENDS = ["embedded", *SERVERS]


def remote_server(name: str, location: Path) -> RemoteServer | None:
    """The backend's remote server, started (None for the embedded store). Virtuoso is
    installed by .ci/run; elsewhere, without it, its tests skip."""
    if name == "embedded":
        return None
    if name == "virtuoso" and not shutil.which("virtuoso-t"):
        if os.environ.get("CI"):
            pytest.fail("Virtuoso is missing: apt-get install -y virtuoso-opensource")
        pytest.skip("Virtuoso is not installed (apt-get install -y virtuoso-opensource)")
    return SERVERS[name](location)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Iterator[RemoteServer | None]:
    """Each store backend in turn: None for the embedded store, else the remote server."""
    remote = remote_server(request.param, tmp_path / "remote")
    yield remote
    if remote:
        remote.stop()


def open_backend(remote: RemoteServer | None, directory: Path) -> Store:
    """An empty store of the backend: embedded on disk in ``directory``, or the remote one
    (with its local state in ``directory``)."""
    return EmbeddedStore(directory) if remote is None else remote.store(directory)


def start_server(
    store: Path,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    datasets: bool = False,
) -> LiveServer:
    """`kg serve` over ``store``; on an empty store it loads the seed graph (and the public
    datasets only when asked: they make the graph 200 times larger)."""
    port = free_port()
    log = store.parent / f"server-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kg",
            "--store",
            str(store),
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "8",
            *(() if datasets else ("--seed-only",)),
            *args,
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        # no write rate limit unless a test sets one: several tests write in bursts
        env={**os.environ, "KG_TOKENS": TOKENS, "KG_WRITE_RATE": "0", **(env or {})},
    )
    server = LiveServer(f"http://127.0.0.1:{port}", store, process, log)
    deadline = time.monotonic() + 180  # the datasets take ~30 s to load
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited: {log.read_text()}")
        try:
            urllib.request.urlopen(server.url + "/sparql?query=ASK%7B%7D", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"kg serve did not answer within 60 s: {log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> LiveServer:
    """One server over the bundled graph for the read-only tests of the whole session."""
    live = start_server(tmp_path_factory.mktemp("server") / "store")
    yield live
    live.stop()


@dataclass
class Answer:
    status: int
    headers: Headers  # names case-insensitive, as HTTP has them (Granian sends them lowercase)
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(
    method: str, url: str, *, body: bytes | str | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """A plain HTTP request; errors are answers too."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, Headers(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, Headers(error.headers.items()), error.read())
