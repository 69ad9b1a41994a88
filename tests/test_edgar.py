"""EDGAR input against a fake EDGAR on 127.0.0.1 serving real filings: what is asked, what is cached, how faults
and the SEC's fair-access rules are handled. Nothing here may reach the internet (see `loopback_only`)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fake_edgar import CORPUS, FakeEdgar, Fault

from eightk.errors import ConfigError, EdgarError, InputError
from eightk.extract.edgar import (
    SEC_RATE,
    EdgarSettings,
    FetchedFiling,
    TokenBucket,
    default_cache_dir,
    fetch_filings,
    is_edgar_spec,
    normalize_items,
    parse_spec,
)
from eightk.extract.llm import RetryPolicy
from eightk.extract.reader import read_filing

AGENT_FILED = "0000950123-10-080629"  # sent by a filing agent for SanDisk, CIK 1000180
SELF_FILED = "0001000180-10-000003"
SANDISK = "1000180"
NUANCE = "1002517"  # 107 filings in the corpus: its listing has an older page
UA = "eightk tests tests@example.com"
FAST = RetryPolicy(attempts=3, initial_wait_s=0.01, max_wait_s=0.05, max_retry_after_s=5.0)

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is absent")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every name lookup (and so every connection httpx makes) must be for 127.0.0.1."""
    real = socket.getaddrinfo
    refused: list[str] = []

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", b"127.0.0.1"):
            refused.append(str(host))
            raise socket.gaierror(f"tests stay on 127.0.0.1, not {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield refused
    assert refused == [], f"tried to leave 127.0.0.1: {refused}"


@pytest.fixture
def fake() -> Iterator[FakeEdgar]:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent")
    with FakeEdgar() as server:
        yield server


def settings_for(fake: FakeEdgar, cache: Path, **overrides: Any) -> EdgarSettings:
    chosen: dict[str, Any] = {
        "user_agent": UA, "cache_dir": cache, "www_url": fake.url, "data_url": fake.url,
        "search_url": f"{fake.url}/LATEST", "retry": FAST, "limiter": TokenBucket(1000), "timeout_s": 5.0,
    }  # fmt: skip
    return EdgarSettings(**{**chosen, **overrides})


@pytest.fixture
def settings(fake: FakeEdgar, tmp_path: Path) -> EdgarSettings:
    return settings_for(fake, tmp_path / "cache")


def txt_path(accession: str, cik: str) -> str:
    return f"/Archives/edgar/data/{cik}/{accession.replace('-', '')}/{accession}.txt"


def only(results: list[FetchedFiling]) -> FetchedFiling:
    assert len(results) == 1, results
    return results[0]


# --- what the user gives -------------------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("spec", [SELF_FILED, SELF_FILED.replace("-", "")])
def test_self_filed_accession_is_one_request(fake: FakeEdgar, settings: EdgarSettings, spec: str) -> None:
    got = only(fetch_filings([spec], settings=settings))
    assert (got.accession, got.cik, got.error, got.cached) == (SELF_FILED, SANDISK, None, False)
    assert [seen.path for seen in fake.log] == [txt_path(SELF_FILED, SANDISK)]
    assert got.path is not None
    filing = read_filing(got.path)
    assert filing.markup == "sgml"
    assert "Item 9.01" in filing.text


@needs_corpus
def test_agent_filed_accession_is_found_through_full_text_search(fake: FakeEdgar, settings: EdgarSettings) -> None:
    got = only(fetch_filings([AGENT_FILED], settings=settings))
    assert (got.accession, got.cik, got.error) == (AGENT_FILED, SANDISK, None)
    assert [seen.path for seen in fake.log] == [
        txt_path(AGENT_FILED, "950123"),  # the agent's CIK: EDGAR has no such folder
        "/LATEST/search-index",
        txt_path(AGENT_FILED, SANDISK),
    ]
    assert got.path is not None
    assert got.path.read_bytes().startswith(b"<SEC-DOCUMENT>")


@needs_corpus
@pytest.mark.parametrize("url", [
    "https://www.sec.gov/Archives/edgar/data/1000180/0000950123-10-080629-index.html",
    "https://www.sec.gov/Archives/edgar/data/1000180/000095012310080629/0000950123-10-080629-index.htm",
    "https://www.sec.gov/Archives/edgar/data/1000180/0000950123-10-080629-index-headers.html",
    "https://www.sec.gov/Archives/edgar/data/1000180/000095012310080629/f56730e8vk.htm",
    "https://www.sec.gov/Archives/edgar/data/1000180/0000950123-10-080629.txt",
    "https://www.sec.gov/ix?doc=/Archives/edgar/data/1000180/000095012310080629/f56730e8vk.htm",
    "http://127.0.0.1:1/Archives/edgar/data/1000180/000095012310080629/",
])  # fmt: skip
def test_archive_url_names_filing_and_cik(fake: FakeEdgar, settings: EdgarSettings, url: str) -> None:
    got = only(fetch_filings([url], settings=settings))
    assert (got.spec, got.accession, got.cik, got.error) == (url, AGENT_FILED, SANDISK, None)
    assert [seen.path for seen in fake.log] == [txt_path(AGENT_FILED, SANDISK)]  # no lookup, from the configured base


@needs_corpus
def test_company_query_filters_by_date_and_item_across_listing_pages(fake: FakeEdgar, settings: EdgarSettings) -> None:
    since = date(2016, 1, 1)
    got = fetch_filings([], cik=NUANCE, since=since, items=["Item 5.02"], settings=settings)
    expected = [f.accession for f in fake.by_cik(NUANCE) if f.filing_date >= since.isoformat() and "5.02" in f.items]
    assert len(expected) > 10  # reaches into the older page
    assert [g.accession for g in got] == expected
    assert all(g.error is None and g.cik == NUANCE and g.path is not None for g in got)
    assert all(g.spec == "CIK 1002517 since 2016-01-01 with item 5.02" for g in got)
    listings = [seen.path for seen in fake.log if seen.path.startswith("/submissions/")]
    assert listings == ["/submissions/CIK0001002517.json", "/submissions/CIK0001002517-submissions-001.json"]


@needs_corpus
def test_company_query_reads_older_pages_only_when_since_reaches_them(fake: FakeEdgar, settings: EdgarSettings) -> None:
    newest = fake.by_cik(NUANCE)[0].filing_date
    got = fetch_filings([], cik=f"000{NUANCE}", since=date.fromisoformat(newest), settings=settings)
    assert [g.accession for g in got] == [fake.by_cik(NUANCE)[0].accession]
    assert fake.log[0].path == "/submissions/CIK0001002517.json"
    assert not fake.requests_for("/submissions/CIK0001002517-submissions-001.json")


@needs_corpus
def test_company_query_that_matches_nothing_says_so(fake: FakeEdgar, settings: EdgarSettings) -> None:
    got = only(fetch_filings([], cik=SANDISK, since=date(2030, 1, 1), settings=settings))
    assert isinstance(got.error, InputError)
    assert str(got.error) == "EDGAR lists no 8-K for CIK 1000180 since 2030-01-01"
    unknown = only(fetch_filings([], cik="999999", settings=settings))
    assert str(unknown.error) == "no such company on EDGAR: CIK 999999"


@needs_corpus
def test_same_filing_asked_twice_is_returned_once(fake: FakeEdgar, settings: EdgarSettings) -> None:
    url = f"https://www.sec.gov/Archives/edgar/data/1000180/{SELF_FILED}.txt"
    got = fetch_filings([SELF_FILED, url], cik=SANDISK, settings=settings)
    assert [g.accession for g in got].count(SELF_FILED) == 1
    assert len(got) == len(fake.by_cik(SANDISK))


# --- the cache -------------------------------------------------------------------------------------------------


@needs_corpus
def test_nothing_is_fetched_twice(fake: FakeEdgar, settings: EdgarSettings) -> None:
    specs = [AGENT_FILED, "https://www.sec.gov/Archives/edgar/data/1000180/0001000180-10-000038.txt"]
    first = fetch_filings(specs, cik=NUANCE, since=date(2019, 1, 1), settings=settings)
    asked = len(fake.log)
    again = fetch_filings(specs, cik=NUANCE, since=date(2019, 1, 1), settings=settings)
    assert len(fake.log) == asked  # not one request
    assert [(g.accession, g.cik, g.path) for g in again] == [(g.accession, g.cik, g.path) for g in first]
    assert all(g.cached for g in again) and not any(g.cached for g in first)


@needs_corpus
def test_company_listing_is_asked_again_once_stale_but_filings_are_not(fake: FakeEdgar, tmp_path: Path) -> None:
    settings = settings_for(fake, tmp_path, listing_max_age_s=0.0)
    fetch_filings([], cik=SANDISK, since=date(2011, 1, 1), settings=settings)
    fake.log.clear()
    again = fetch_filings([], cik=SANDISK, since=date(2011, 1, 1), settings=settings)
    assert [seen.path for seen in fake.log] == ["/submissions/CIK0001000180.json"]
    assert again and all(g.cached for g in again)


# --- faults ------------------------------------------------------------------------------------------------------


@needs_corpus
def test_429_waits_as_long_as_retry_after_says_then_succeeds(fake: FakeEdgar, settings: EdgarSettings) -> None:
    path = txt_path(SELF_FILED, SANDISK)
    fake.fail(path, Fault(429, {"Retry-After": "1"}))
    got = only(fetch_filings([SELF_FILED], settings=settings))
    assert got.error is None and got.path is not None
    first, second = fake.requests_for(path)
    assert second.at - first.at >= 0.95  # FAST's own backoff is at most 0.05 s: this is Retry-After


@needs_corpus
def test_503_is_retried_with_backoff(fake: FakeEdgar, settings: EdgarSettings) -> None:
    path = txt_path(SELF_FILED, SANDISK)
    fake.fail(path, Fault(503), Fault(503))
    got = only(fetch_filings([SELF_FILED], settings=settings))
    assert got.error is None
    assert len(fake.requests_for(path)) == 3


@needs_corpus
def test_a_lockout_longer_than_we_would_wait_fails_at_once(fake: FakeEdgar, settings: EdgarSettings) -> None:
    path = txt_path(SELF_FILED, SANDISK)
    fake.fail(path, Fault(429, {"Retry-After": "600"}))
    started = time.monotonic()
    got = only(fetch_filings([SELF_FILED], settings=settings))
    assert time.monotonic() - started < 1
    assert isinstance(got.error, EdgarError)
    assert str(got.error) == f"EDGAR says we asked too often (429, wait 600 s): {fake.url}{path}"
    assert len(fake.requests_for(path)) == 1


@needs_corpus
def test_one_missing_or_failing_filing_does_not_cost_the_others(fake: FakeEdgar, settings: EdgarSettings) -> None:
    missing = "0001000180-10-999999"
    broken = "0001000180-10-000062"
    fake.fail(txt_path(broken, SANDISK), *[Fault(503)] * FAST.attempts)
    got = fetch_filings([SELF_FILED, missing, broken, AGENT_FILED], settings=settings)
    assert [g.spec for g in got] == [SELF_FILED, missing, broken, AGENT_FILED]
    assert got[0].path is not None and got[3].path is not None
    assert isinstance(got[1].error, InputError)
    assert str(got[1].error).startswith(f"no such filing on EDGAR: {missing}")
    assert isinstance(got[2].error, EdgarError)
    assert str(got[2].error) == f"EDGAR answered 503 3 times: {fake.url}{txt_path(broken, SANDISK)}"
    assert all("\n" not in str(g.error) for g in got)
    assert not (settings.cache_dir / "edgar" / "filings" / f"{broken}.txt").exists()


@needs_corpus
def test_an_answer_that_is_not_a_filing_is_refused_and_not_cached(fake: FakeEdgar, settings: EdgarSettings) -> None:
    fake.fail(txt_path(SELF_FILED, SANDISK), Fault(body=b"<html>Please declare your traffic</html>"))
    got = only(fetch_filings([SELF_FILED], settings=settings))
    assert isinstance(got.error, EdgarError)
    assert "not a filing" in str(got.error)
    assert only(fetch_filings([SELF_FILED], settings=settings)).path is not None  # asked again, not cached


@needs_corpus
def test_slow_answer_times_out_with_the_url(fake: FakeEdgar, tmp_path: Path) -> None:
    settings = settings_for(fake, tmp_path, timeout_s=0.2, retry=RetryPolicy(attempts=2, initial_wait_s=0.01))
    path = txt_path(SELF_FILED, SANDISK)
    fake.fail(path, Fault(delay_s=0.6), Fault(delay_s=0.6))
    got = only(fetch_filings([SELF_FILED], settings=settings))
    assert str(got.error) == f"EDGAR did not answer within 0.2 s: {fake.url}{path}"
    fake.fail(path, Fault(delay_s=0.05))
    assert only(fetch_filings([SELF_FILED], settings=settings)).error is None  # slow but in time


def test_unreachable_edgar_names_the_url(tmp_path: Path, free_port: int) -> None:
    base = f"http://127.0.0.1:{free_port}"
    settings = EdgarSettings(user_agent=UA, cache_dir=tmp_path, www_url=base, limiter=TokenBucket(1000),
                             retry=RetryPolicy(attempts=2, initial_wait_s=0.01))  # fmt: skip
    got = only(fetch_filings([f"{base}/Archives/edgar/data/1000180/{SELF_FILED}.txt"], settings=settings))
    assert isinstance(got.error, EdgarError)
    assert str(got.error).startswith(f"cannot reach EDGAR at {base}{txt_path(SELF_FILED, SANDISK)}: ")
    assert "\n" not in str(got.error)


# --- fair access -------------------------------------------------------------------------------------------------


@needs_corpus
def test_no_more_than_ten_requests_in_any_second(fake: FakeEdgar, tmp_path: Path) -> None:
    settings = settings_for(fake, tmp_path, limiter=SEC_RATE)  # the process-wide bucket, as in real use
    folders = [f.folder for f in fake.by_cik(NUANCE)[:25]]
    started = time.monotonic()
    got = fetch_filings([f"https://www.sec.gov{folder}/" for folder in folders], settings=settings)
    elapsed = time.monotonic() - started
    assert all(g.error is None for g in got) and len(fake.log) == 25
    arrivals = [seen.at for seen in fake.log]
    busiest = max(sum(1 for t in arrivals if start <= t <= start + 1.0) for start in arrivals)
    assert busiest <= 10
    assert 2.4 <= elapsed < 4.0  # paced at 9 a second, not slower


@needs_corpus
def test_every_request_says_who_is_asking(fake: FakeEdgar, settings: EdgarSettings) -> None:
    fetch_filings([AGENT_FILED], cik=SANDISK, since=date(2011, 1, 1), settings=settings)
    assert len(fake.log) > 3
    assert {seen.user_agent for seen in fake.log} == {UA}


@pytest.mark.parametrize("agent", ["", "   ", "eightk", "Jane Doe jane@example.com\u00e9"])
def test_missing_or_anonymous_user_agent_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, agent: str
) -> None:
    monkeypatch.setenv("EIGHTK_SEC_USER_AGENT", agent)
    monkeypatch.setenv("EIGHTK_CACHE_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="EIGHTK_SEC_USER_AGENT") as raised:
        fetch_filings([SELF_FILED])
    assert "\n" not in str(raised.value)


def test_user_agent_unset_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EIGHTK_SEC_USER_AGENT", raising=False)
    with pytest.raises(ConfigError, match=r"^EIGHTK_SEC_USER_AGENT is not set"):
        fetch_filings([], cik=SANDISK)


# --- settings and parsing --------------------------------------------------------------------------------------


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EIGHTK_SEC_USER_AGENT", UA)
    monkeypatch.setenv("EIGHTK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("EIGHTK_EDGAR_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("EIGHTK_EDGAR_DATA_URL", "http://127.0.0.1:2")
    monkeypatch.setenv("EIGHTK_EDGAR_SEARCH_URL", "http://127.0.0.1:3/LATEST")
    settings = EdgarSettings.from_env(data_url="http://127.0.0.1:4")
    assert (settings.user_agent, settings.cache_dir) == (UA, tmp_path)
    assert (settings.www_url, settings.data_url, settings.search_url) == (
        "http://127.0.0.1:1", "http://127.0.0.1:4", "http://127.0.0.1:3/LATEST")  # fmt: skip
    assert settings.limiter is SEC_RATE


def test_default_cache_dir_is_the_users_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "eightk"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert default_cache_dir() == Path.home() / ".cache" / "eightk"


def test_is_edgar_spec_tells_filings_on_edgar_from_local_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_edgar_spec(AGENT_FILED) and is_edgar_spec("000095012310080629")
    assert is_edgar_spec("https://www.sec.gov/Archives/edgar/data/1000180/0000950123-10-080629.txt")
    assert is_edgar_spec("https://example.com/not-a-filing")  # refused later with a reason
    assert not is_edgar_spec("filing.htm") and not is_edgar_spec("0000950123-10-08062")
    monkeypatch.chdir(tmp_path)
    (tmp_path / AGENT_FILED).write_text("a local file of that name wins")
    assert not is_edgar_spec(AGENT_FILED)


def test_parse_spec_refuses_what_names_no_filing() -> None:
    assert parse_spec(" 0000950123-10-080629 ") == (AGENT_FILED, None)
    with pytest.raises(InputError, match=r"^not an EDGAR filing URL"):
        parse_spec("https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=1000180")
    with pytest.raises(InputError, match=r"^not an accession number"):
        parse_spec("12345")


def test_items_and_dates_need_a_company() -> None:
    assert normalize_items(["5.02", "Item 5.2", "item 9.01", "7"]) == ["5.02", "5.02", "9.01", "7"]
    with pytest.raises(ConfigError, match="not an 8-K item number"):
        normalize_items(["five"])
    with pytest.raises(ConfigError, match="give --cik too"):
        fetch_filings([SELF_FILED], since=date(2020, 1, 1))
    assert fetch_filings([]) == []  # nothing asked, nothing configured needed


# --- the command line ----------------------------------------------------------------------------------------


@needs_corpus
def test_eightk_extract_takes_an_accession_number_and_reads_the_fetched_submission(
    fake: FakeEdgar, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from eightk.cli import app
    from eightk.fakeserver import FakeOpenAI, answer

    monkeypatch.setenv("EIGHTK_SEC_USER_AGENT", UA)
    monkeypatch.setenv("EIGHTK_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("EIGHTK_EDGAR_URL", "EIGHTK_EDGAR_DATA_URL"):
        monkeypatch.setenv(name, fake.url)
    monkeypatch.setenv("EIGHTK_EDGAR_SEARCH_URL", f"{fake.url}/LATEST")
    appointment = "0001002517-18-000011"  # Nuance, self-filed: a director appointed under Item 5.02
    with FakeOpenAI([answer({"appointments": []})]) as model:
        outcome = CliRunner().invoke(
            app, ["extract", appointment, "--base-url", model.url, "--model", "fake", "--dialect", "json_schema"]
        )
    assert outcome.exit_code == 0, outcome.output
    assert '"5.02"' in outcome.stdout
    assert [seen.path for seen in fake.log] == [txt_path(appointment, NUANCE)]
    assert any("Vaswani" in str(request["messages"]) for request in model.requests)
