from __future__ import annotations

import random
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eightk.evals.dataset import corpus_dir
from eightk.extract.batch import expand_sources
from eightk.extract.llm import Dialect, ModelClient, RetryPolicy
from eightk.extract.server import EmbeddedServer
from eightk.fakeserver import Reply, answer

# eightk's own pytest plugin (cassette settings, fake server): an install registers it as an entry point too,
# under the same name, so it is loaded once; named here for checkouts run without installing. pytester runs
# pytest in a subprocess, as a user would (tests/test_recording.py).
pytest_plugins = ["eightk.testing", "pytester"]

FILING = """FORM 8-K
CURRENT REPORT Pursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934

Item 1.01 Entry into a Material Definitive Agreement.

On June 3, 2024, Acme Robotics, Inc. entered into an exclusive license agreement with Beta Motors GmbH. \
Acme will receive an upfront payment of $5 million and milestone payments of up to $60 million, plus royalties.

Item 9.01 Financial Statements and Exhibits.
"""

GOOD_DEAL = {"deals": [{
    "deal_type": "license",
    "parties": [{"name": "Acme Robotics, Inc.", "role": "licensor"}, {"name": "Beta Motors GmbH", "role": "licensee"}],
    "technology_or_asset": None, "field_or_indication": None, "territory": None, "exclusive": True,
    "upfront_payment": "$5 million", "milestone_payments_total": "up to $60 million", "royalties": True,
    "equity_investment": None, "total_value": None, "agreement_date": "June 3, 2024",
    "evidence": "Acme Robotics, Inc. entered into an exclusive license agreement with Beta Motors GmbH",
}]}  # fmt: skip

FAST_RETRIES = RetryPolicy(attempts=4, initial_wait_s=0.01, max_wait_s=0.05)


def make_test_client(url: str, *, max_retries: int = 2, timeout_s: float = 5.0,
                     policy: RetryPolicy = FAST_RETRIES, api_key: str = "test-key") -> ModelClient:  # fmt: skip
    return ModelClient(model="fake", base_url=url, api_key=api_key, dialect=Dialect.json_schema,
                       max_retries=max_retries, timeout_s=timeout_s, retry_policy=policy)  # fmt: skip


def empty_answer(body: dict[str, Any]) -> Reply:
    """A valid, empty answer of whatever kind was asked for (the schema name says which)."""
    name = body["response_format"]["json_schema"]["name"]
    fields = {"DealsInPassage": ["deals"], "AppointmentsInPassage": ["appointments"]}.get(
        name, ["deals", "appointments"]
    )
    return answer({field: [] for field in fields})


def flaky(rate: float, seed: int, delay_s: float = 0.0) -> Callable[[dict[str, Any]], Reply]:
    """A server script that fails `rate` of requests (half 500s, half dropped connections), seeded."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def reply(body: dict[str, Any]) -> Reply:
        with lock:
            roll = rng.random()
        if roll < rate / 2:
            return Reply("status", status=500, delay_s=delay_s)
        if roll < rate:
            return Reply("close", delay_s=delay_s)
        good = empty_answer(body)
        good.delay_s = delay_s
        return good

    return reply


def corpus_files() -> list[Path]:
    return expand_sources([str(corpus_dir() / "*.txt")])


@pytest.fixture(autouse=True)
def answer_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps model answers in a folder of its own, never in the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("EIGHTK_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_embedded_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only `live` tests, and recording runs (`--record-mode` other than none), may start the real model: on
    shared cores a server started by a broken test slows everything else by orders of magnitude."""
    if request.node.get_closest_marker("live") or request.config.getoption("--record-mode") not in (None, "none"):
        return

    start = EmbeddedServer.start

    def guarded(self: EmbeddedServer) -> EmbeddedServer:
        if self.command()[0] == "llama_cpp.server":
            raise AssertionError("a non-live test tried to start the embedded model server")
        return start(self)  # a stand-in server (tests/test_logging.py)

    monkeypatch.setattr(EmbeddedServer, "start", guarded)


@pytest.fixture
def filing_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme-8k.txt"
    path.write_text(FILING)
    return path


@pytest.fixture
def free_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


@pytest.fixture(autouse=True)
def _v2_shaped_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake servers of these tests answer in v2's shape (`GOOD_DEAL`), so extraction without a prompt
    named uses v2 here; v3 is tested with answers of its own shape (tests/test_questions.py)."""
    monkeypatch.setenv("EIGHTK_PROMPT", "v2")


def distinct_filings(folder: Path, count: int) -> list[Path]:
    """`count` copies of the test filing, each made distinct so that no result is reused."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"doc{index:03}.txt"
        path.write_text(FILING.replace("June 3, 2024", f"June 3, 2024 (filing {index})"))
        paths.append(path)
    return paths
