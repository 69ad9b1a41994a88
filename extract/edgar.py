"""Fetch 8-K filings from EDGAR by accession number, archive URL, or company (CIK) and date, as the SEC asks.

The SEC's fair-access rules are kept here, for every request: a User-Agent that names the user and a contact
(EIGHTK_SEC_USER_AGENT; nothing is sent without one), at most 10 requests a second across the process, and
429/503 answered by waiting as long as Retry-After says. Filings never change once accepted, so each full
submission `.txt` is cached on disk for good and never fetched twice; a company's list of filings grows, so it
is reused for `listing_max_age_s` only.

An accession number does not say under which CIK EDGAR files it: its first ten digits are whoever transmitted
it, often a filing agent with no folder for the filing. So the filing is first asked for under that CIK (right
for self-filers, one request), and on a 404 its filers are looked up in EDGAR full-text search, filtered on the
accession (`adsh`), and the filing fetched under the first of them. EDGAR serves a filing under every filer.

Not edgartools (5.62.1, measured against tests/fake_edgar.py): it is the field's standard, but an accession
alone is resolved through https://efts.sec.gov, which its base-URL settings do not cover (pointed at a loopback
server it went to the internet five times in 16 s, then failed); a 429 with Retry-After: 2 and a 503 were
raised on the first answer, not retried; its base URLs are read from the environment once, at import; and it
adds 18 packages and 443 MB (pyarrow, pandas) and a second HTTP stack beside httpx2. What it did well, pacing
under 10 requests a second and a forever cache for archives, takes a few dozen lines over httpx2 and tenacity.

EIGHTK_SEC_USER_AGENT   "Name contact@example.com": who is asking, as the SEC requires (no default)
EIGHTK_CACHE_DIR        where fetched filings are kept (default: the user's cache folder, .../eightk)
EIGHTK_EDGAR_URL, EIGHTK_EDGAR_DATA_URL, EIGHTK_EDGAR_SEARCH_URL
                        www.sec.gov, data.sec.gov and efts.sec.gov/LATEST, for a mirror or a test server
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx2 as httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, stop_after_attempt

from eightk.errors import ConfigError, EdgarError, EightkError, InputError
from eightk.extract.llm import RETRY_STATUSES, RetryPolicy, log_retry, retry_after_seconds
from eightk.extract.settings import load_settings

DEFAULT_WWW_URL = "https://www.sec.gov"
DEFAULT_DATA_URL = "https://data.sec.gov"
DEFAULT_SEARCH_URL = "https://efts.sec.gov/LATEST"
FORMS = frozenset({"8-K", "8-K/A"})  # an amendment reports the same items, so a company query keeps it
USER_AGENT_EXAMPLE = 'EIGHTK_SEC_USER_AGENT="Jane Doe jane.doe@example.com"'

_ACCESSION = re.compile(r"(\d{10})-?(\d{2})-?(\d{6})")
_FOLDER_URL = re.compile(r"/Archives/edgar/data/(\d{1,10})/(\d{18})(?:/|$)", re.IGNORECASE)
_FILE_URL = re.compile(
    r"/Archives/edgar/data/(\d{1,10})/(\d{10}-\d{2}-\d{6})(?:-index(?:-headers)?\.html?|\.txt)?$", re.IGNORECASE
)
_CONTACT = re.compile(r"\S+@\S+\.\w+")
_ITEM = re.compile(r"(?:item\s*)?(\d{1,2})(?:\.(\d{1,2}))?", re.IGNORECASE)
_HEADER_CIK = re.compile(rb"CENTRAL INDEX KEY:\s*(\d+)")
_SUBMISSION_MARKERS = (b"<SEC-DOCUMENT>", b"<SEC-HEADER>", b"<DOCUMENT>", b"<IMS-DOCUMENT>")


class TokenBucket:
    """A bucket that holds one token and refills `per_second` times a second, shared by every thread.

    Holding one token means no bursts: requests leave at least 1/per_second apart, so at 9 a second any one-second
    window holds at most 10, even counting both of its ends, with a ninth of a second to spare for jitter between
    our clock and the SEC's. The default bucket is one per process, so successive calls cannot add up past it.
    """

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be positive, got {per_second}")
        self.interval = 1.0 / per_second
        self._next = 0.0  # time.monotonic() from which the next request may leave
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait for this request's turn."""
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next)
            self._next = turn + self.interval
        if turn > now:
            time.sleep(turn - now)


SEC_RATE = TokenBucket(9.0)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EdgarSettings:
    """Where EDGAR is, who is asking, and where fetched filings are kept."""

    user_agent: str
    cache_dir: Path
    www_url: str = DEFAULT_WWW_URL
    data_url: str = DEFAULT_DATA_URL
    search_url: str = DEFAULT_SEARCH_URL
    listing_max_age_s: float = 600.0  # a company's filing list is reused this long, then asked for again
    timeout_s: float = 30.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=5, initial_wait_s=1.0, max_wait_s=30.0,
                                                                   max_retry_after_s=120.0))  # fmt: skip
    limiter: TokenBucket = SEC_RATE

    def __post_init__(self) -> None:
        agent = self.user_agent.strip()
        if not agent:
            raise ConfigError(f"EIGHTK_SEC_USER_AGENT is not set: the SEC asks every client to say who it is, e.g. "
                              f"{USER_AGENT_EXAMPLE}")  # fmt: skip
        if not _CONTACT.search(agent) or not (agent.isascii() and agent.isprintable()):
            raise ConfigError(f"EIGHTK_SEC_USER_AGENT must name you and a contact email in plain ASCII, e.g. "
                              f"{USER_AGENT_EXAMPLE}; got {agent!r}")  # fmt: skip

    @classmethod
    def from_env(cls, **overrides: Any) -> EdgarSettings:
        """Settings from EIGHTK_* variables (`eightk.extract.settings`); keyword arguments win over them."""
        env = load_settings()
        chosen: dict[str, Any] = {
            "user_agent": env.sec_user_agent or "",
            "cache_dir": env.cache_dir,
            "www_url": env.edgar_url,
            "data_url": env.edgar_data_url,
            "search_url": env.edgar_search_url,
        }
        chosen = {key: value for key, value in {**chosen, **overrides}.items() if value is not None}
        chosen.setdefault("cache_dir", default_cache_dir())
        return cls(**chosen)


def default_cache_dir() -> Path:
    """The platform's per-user cache folder for eightk (what platformdirs would say, without the dependency)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "eightk" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "eightk"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "eightk"


@dataclass(frozen=True)
class FetchedFiling:
    """One filing asked for, and either where its full submission text now is or why it could not be had.

    `spec` is what the user gave that led here (an accession number, a URL, or the company query).
    """

    spec: str
    accession: str | None = None
    cik: str | None = None  # without leading zeros, as EDGAR's archive paths have it
    path: Path | None = None
    cached: bool = False  # the filing came from the cache, not from EDGAR
    error: EightkError | None = None


def is_edgar_spec(arg: str) -> bool:
    """Whether a command-line argument names a filing on EDGAR rather than a local file (which, if it exists,
    wins). Any http(s) URL counts, so one that names no filing is refused with a reason, not as a missing file."""
    with contextlib.suppress(OSError, ValueError):
        if Path(arg).exists():
            return False
    text = arg.strip()
    return bool(_ACCESSION.fullmatch(text)) or text.lower().startswith(("http://", "https://"))


def parse_spec(spec: str) -> tuple[str, str | None]:
    """The accession number a spec names, and the CIK if the spec says it (a URL does; an accession does not)."""
    text = spec.strip()
    bare = _ACCESSION.fullmatch(text)
    if bare:
        return "-".join(bare.groups()), None
    if text.lower().startswith(("http://", "https://")):
        url = urllib.parse.urlsplit(text)
        # The path names the filing; so may a query parameter, as in the inline viewer's /ix?doc=/Archives/...
        for place in [url.path] + [v for vs in urllib.parse.parse_qs(url.query).values() for v in vs]:
            place = urllib.parse.unquote(place)
            folder = _FOLDER_URL.search(place)
            if folder:
                digits = folder.group(2)
                return f"{digits[:10]}-{digits[10:12]}-{digits[12:]}", str(int(folder.group(1)))
            file = _FILE_URL.search(place)
            if file:
                return file.group(2), str(int(file.group(1)))
        raise InputError(f"not an EDGAR filing URL (no /Archives/edgar/data/<CIK>/<accession> in it): {spec}")
    raise InputError(f"not an accession number (like 0000950123-10-080629) or an EDGAR URL: {spec}")


def normalize_items(items: Sequence[str]) -> list[str]:
    """Item labels as EDGAR lists them ("5.02", or "5" before 2004), from what a user may type ("Item 5.2")."""
    labels = []
    for item in items:
        match = _ITEM.fullmatch(item.strip())
        if not match:
            raise ConfigError(f"not an 8-K item number (like 5.02): {item!r}")
        major, minor = match.groups()
        labels.append(f"{int(major)}.{int(minor):02d}" if minor is not None else str(int(major)))
    return labels


def fetch_filings(
    specs: Sequence[str] = (),
    *,
    cik: str | int | None = None,
    since: date | None = None,
    items: Sequence[str] | None = None,
    settings: EdgarSettings | None = None,
) -> list[FetchedFiling]:
    """Each filing the specs name, and the company's 8-Ks filed on or after `since` (all of them without it) that
    report any of `items`, as full submission files on disk. One result per filing, in the order asked (a
    company's newest first), each filing once; a failure is that result's `error` and never stops the others.

    Raises only for what no fetch could get past: missing or bad settings, or `since`/`items` without a company.
    """
    if cik is None and (since is not None or items):
        raise ConfigError("--since and --items choose among one company's filings: give --cik too")
    wanted = normalize_items(items) if items else None
    if not specs and cik is None:
        return []
    settings = settings or EdgarSettings.from_env()
    results: list[FetchedFiling] = []
    with _Edgar(settings) as edgar:
        for spec in specs:
            results.append(edgar.fetch_spec(spec))
        if cik is not None:
            results.extend(edgar.fetch_company(str(cik), since, wanted))
    seen: set[str] = set()
    unique = []
    for result in results:
        if result.accession is None or result.accession not in seen:
            unique.append(result)
        if result.accession is not None:
            seen.add(result.accession)
    return unique


class _Edgar:
    """One HTTP client for one call: paced, retried, cached."""

    def __init__(self, settings: EdgarSettings) -> None:
        self.settings = settings
        self.cache = settings.cache_dir / "edgar"
        self.client = httpx.Client(
            transport=_Paced(httpx.HTTPTransport(), settings.limiter),
            headers={"User-Agent": settings.user_agent.strip(), "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s)),
            follow_redirects=True,
        )

    def __enter__(self) -> _Edgar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    # --- what the user asked for -------------------------------------------------------------------------------

    def fetch_spec(self, spec: str) -> FetchedFiling:
        try:
            accession, cik = parse_spec(spec)
            return self.fetch(spec, accession, cik)
        except EightkError as error:
            return FetchedFiling(spec=spec, error=error)

    def fetch_company(self, cik: str, since: date | None, items: list[str] | None) -> list[FetchedFiling]:
        asked = f"CIK {cik}" + (f" since {since.isoformat()}" if since else "") + (
            f" with item {' or '.join(items)}" if items else "")  # fmt: skip
        try:
            if not cik.strip().isdigit() or len(cik.strip()) > 10:
                raise InputError(f"not a CIK (up to 10 digits, like 320193): {cik}")
            cik = str(int(cik))
            accessions = self.company_filings(cik, since, items)
        except EightkError as error:
            return [FetchedFiling(spec=asked, error=error)]
        if not accessions:
            return [FetchedFiling(spec=asked, error=InputError(f"EDGAR lists no 8-K for {asked}"))]
        results = []
        for accession in accessions:
            try:
                results.append(self.fetch(asked, accession, cik))
            except EightkError as error:
                results.append(FetchedFiling(spec=asked, accession=accession, cik=cik, error=error))
        return results

    def fetch(self, spec: str, accession: str, cik: str | None) -> FetchedFiling:
        """The full submission, from the cache or from EDGAR, under the known CIK or one found for it."""
        target = self.cache / "filings" / f"{accession}.txt"
        if target.is_file():
            return FetchedFiling(spec, accession, cik or _header_cik(target), target, cached=True)
        if cik is not None:
            body = self.submission(accession, cik)
            if body is None:
                raise InputError(f"no such filing on EDGAR: {accession} under CIK {cik}")
        else:
            cik = str(int(accession[:10]))  # right when the filer sent it itself
            body = self.submission(accession, cik)
            if body is None:
                filer = self.filer_of(accession)
                if filer is not None and filer != cik:
                    cik, body = filer, self.submission(accession, filer)
            if body is None:
                raise InputError(f"no such filing on EDGAR: {accession} (give its URL or --cik if it is older than "
                                 f"2001, which full-text search does not cover)")  # fmt: skip
        _store(target, body)
        return FetchedFiling(spec, accession, cik, target)

    # --- EDGAR's endpoints ---------------------------------------------------------------------------------------

    def submission(self, accession: str, cik: str) -> bytes | None:
        """The full submission text file, or None if EDGAR has no such filing under this CIK."""
        folder = f"{self.settings.www_url.rstrip('/')}/Archives/edgar/data/{cik}/{accession.replace('-', '')}"
        url = f"{folder}/{accession}.txt"
        response = self.get(url)
        if response is None:
            return None
        if not any(marker in response.content[:8192].upper() for marker in _SUBMISSION_MARKERS):
            raise EdgarError(f"EDGAR answered with something that is not a filing (is the archive URL right?): {url}")
        return response.content

    def filer_of(self, accession: str) -> str | None:
        """A CIK EDGAR files this accession under, from full-text search (which covers 2001 on)."""
        url = f"{self.settings.search_url.rstrip('/')}/search-index?q=%22{accession}%22"
        response = self.get(url)
        hits = _json(response.content, url).get("hits", {}).get("hits", []) if response is not None else []
        for hit in hits:
            source = hit.get("_source", {})
            if str(source.get("adsh", "")).replace("-", "") == accession.replace("-", "") and source.get("ciks"):
                return str(int(source["ciks"][0]))
        return None

    def company_filings(self, cik: str, since: date | None, items: list[str] | None) -> list[str]:
        """Accession numbers of the company's 8-Ks that match, newest first, from its submissions listing and
        the older pages it points to (only those that reach back to `since`)."""
        base = self.settings.data_url.rstrip("/")
        listing = self.listing(f"{base}/submissions/CIK{int(cik):010d}.json", f"CIK{int(cik):010d}.json")
        if listing is None:
            raise InputError(f"no such company on EDGAR: CIK {cik}")
        filings = listing.get("filings", {})
        pages = [filings.get("recent", {})]
        for page in filings.get("files", []):
            if since is None or str(page.get("filingTo", "9999")) >= since.isoformat():
                older = self.listing(f"{base}/submissions/{page['name']}", page["name"])
                if older is not None:
                    pages.append(older)
        found = []
        for columns in pages:
            for row in _rows(columns):
                too_old = since is not None and row.get("filingDate", "") < since.isoformat()
                if row.get("form") not in FORMS or too_old:
                    continue
                reported = {label.strip() for label in str(row.get("items") or "").split(",")}
                if items is None or reported.intersection(items):
                    found.append(str(row["accessionNumber"]))
        return found

    def listing(self, url: str, name: str) -> dict[str, Any] | None:
        """A submissions JSON page, reused from the cache while it is fresh; None if EDGAR has none."""
        target = self.cache / "submissions" / name
        with contextlib.suppress(OSError, EdgarError):  # a stale, unreadable or damaged copy is fetched anew
            if time.time() - target.stat().st_mtime < self.settings.listing_max_age_s:
                return _json(target.read_bytes(), str(target))
        response = self.get(url)
        if response is None:
            return None
        data = _json(response.content, url)
        _store(target, response.content)
        return data

    def get(self, url: str) -> httpx.Response | None:
        """A successful answer, or None for a 404; everything else an EdgarError that names the URL."""
        policy = self.settings.retry
        retrying = Retrying(
            stop=stop_after_attempt(policy.attempts) | _asked_to_wait_longer_than(policy.max_retry_after_s),
            wait=policy.wait,
            retry=retry_if_exception_type(httpx.TransportError)
            | retry_if_result(lambda r: r.status_code in RETRY_STATUSES),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            before_sleep=lambda state: log_retry(log, state, url.split("?")[0], policy.attempts),
        )
        try:
            response: httpx.Response = retrying(self.client.get, url)
        except httpx.TimeoutException:
            raise EdgarError(f"EDGAR did not answer within {self.settings.timeout_s:g} s: {url}") from None
        except httpx.TransportError as error:
            raise EdgarError(f"cannot reach EDGAR at {url}: {error or type(error).__name__}") from None
        if response.status_code == 404:
            return None
        if response.status_code == 403:
            raise EdgarError(f"EDGAR refused the request (403; the SEC blocks clients that do not say who they are, "
                             f"check EIGHTK_SEC_USER_AGENT): {url}")  # fmt: skip
        if response.status_code == 429:
            wait = retry_after_seconds(response)
            raise EdgarError(f"EDGAR says we asked too often (429{f', wait {wait:.0f} s' if wait else ''}): {url}")
        if not response.is_success:
            tries = retrying.statistics.get("attempt_number", 1)
            raise EdgarError(f"EDGAR answered {response.status_code}{f' {tries} times' if tries > 1 else ''}: {url}")
        return response


class _Paced(httpx.BaseTransport):
    """Every request that leaves, retries and redirects included, waits for the shared bucket."""

    def __init__(self, inner: httpx.BaseTransport, limiter: TokenBucket) -> None:
        self.inner = inner
        self.limiter = limiter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.limiter.acquire()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _asked_to_wait_longer_than(limit_s: float) -> Any:
    """Stop at once when EDGAR asks for a longer pause than we would sit through (its lockouts last minutes)."""

    def stop(state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None or outcome.failed:
            return False
        asked = retry_after_seconds(outcome.result())
        return asked is not None and asked > limit_s

    return stop


def _rows(columns: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A submissions page's parallel columns as one dict per filing."""
    names = [name for name, values in columns.items() if isinstance(values, list)]
    for index in range(len(columns.get("accessionNumber", []))):
        yield {name: columns[name][index] for name in names if index < len(columns[name])}


def _json(content: bytes, url: str) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except ValueError:
        raise EdgarError(f"EDGAR answered with something that is not JSON: {url}") from None
    if not isinstance(data, dict):
        raise EdgarError(f"EDGAR answered with JSON of an unexpected shape: {url}")
    return data


def _header_cik(path: Path) -> str | None:
    """The first filer's CIK in a cached submission's SGML header."""
    with path.open("rb") as handle:
        match = _HEADER_CIK.search(handle.read(65536))
    return str(int(match.group(1))) if match else None


def _store(target: Path, body: bytes) -> None:
    """Write whole or not at all, so an interrupted fetch never leaves a truncated filing in the cache."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(body)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise ConfigError(f"cannot write to the cache at {target.parent} ({error.strerror}); set EIGHTK_CACHE_DIR "
                          f"to a writable folder") from None  # fmt: skip


__all__ = [
    "DEFAULT_DATA_URL",
    "DEFAULT_SEARCH_URL",
    "DEFAULT_WWW_URL",
    "SEC_RATE",
    "EdgarError",
    "EdgarSettings",
    "FetchedFiling",
    "TokenBucket",
    "default_cache_dir",
    "fetch_filings",
    "is_edgar_spec",
    "normalize_items",
    "parse_spec",
]
