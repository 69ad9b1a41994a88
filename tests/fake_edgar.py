"""A fake EDGAR on 127.0.0.1 that serves the real filings of ../shared/edgar-crawler-8k in EDGAR's URL layout.

The filings stay where they are: each answer is built from them on request, so nothing is copied into the
project. What it serves, as the SEC does:

  /submissions/CIK##########.json                       a company's filings, newest first; the oldest are moved
  /submissions/CIK##########-submissions-001.json       to a second page, as EDGAR does for long histories
  /Archives/edgar/data/<cik>/<accession-no-dashes>/<accession>.txt   the full submission: an SGML header
                                                        around the .htm document
  /Archives/edgar/data/<cik>/<accession-no-dashes>/<primary document>.htm
  /LATEST/search-index?q="<accession>"                  full-text search, enough to find a filing's filers

Archives answer only under the filer's CIK, never under the filing agent's CIK that starts most accession
numbers: that is the case a client has to resolve. Faults are queued per path and consumed in order, and
every request is logged with its arrival time and User-Agent.
"""

from __future__ import annotations

import contextlib
import html
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from eightk.extract.sections import NEW_ITEMS, OLD_ITEMS

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "edgar-crawler-8k"
RECENT_PER_PAGE = 10  # a CIK with more filings than this gets a second, older page

ITEM_TITLES = {**OLD_ITEMS, **NEW_ITEMS}  # as EDGAR declares items in a header: by their official titles


@dataclass(frozen=True)
class Filing:
    """One filing of the corpus, with the metadata EDGAR would list for it."""

    accession: str
    cik: str  # without leading zeros, as EDGAR's paths have it
    company: str
    filing_date: str
    report_date: str
    items: list[str]
    primary_document: str
    htm: Path

    @property
    def folder(self) -> str:
        return f"/Archives/edgar/data/{self.cik}/{self.accession.replace('-', '')}"

    @property
    def txt_path(self) -> str:
        return f"{self.folder}/{self.accession}.txt"


def load_corpus(root: Path = CORPUS) -> dict[str, Filing]:
    """The corpus by accession number."""
    filings = {}
    for path in sorted((root / "expected").glob("*.json")):
        meta = json.loads(path.read_text())
        accession = meta["filename"].rsplit("_", 1)[1].removesuffix(".htm")
        items = [key.removeprefix("item_") for key, text in meta.items() if key.startswith("item_") and text]
        filings[accession] = Filing(
            accession=accession,
            cik=str(int(meta["cik"])),
            company=meta["company"],
            filing_date=meta["filing_date"],
            report_date=meta["period_of_report"],
            items=items,
            primary_document=meta["htm_filing_link"].rsplit("/", 1)[1],
            htm=root / "filings" / meta["filename"],
        )
    return filings


def full_submission(filing: Filing) -> bytes:
    """The filing as EDGAR's complete submission text file: the SGML header, then the document."""
    compact = filing.filing_date.replace("-", "")
    items = "".join(f"ITEM INFORMATION:\t\t{ITEM_TITLES.get(item, f'Item {item}')}\n" for item in filing.items)
    header = (
        f"<SEC-DOCUMENT>{filing.accession}.txt : {compact}\n"
        f"<SEC-HEADER>{filing.accession}.hdr.sgml : {compact}\n"
        f"ACCESSION NUMBER:\t\t{filing.accession}\n"
        "CONFORMED SUBMISSION TYPE:\t8-K\n"
        "PUBLIC DOCUMENT COUNT:\t\t1\n"
        f"CONFORMED PERIOD OF REPORT:\t{filing.report_date.replace('-', '')}\n"
        f"{items}"
        f"FILED AS OF DATE:\t\t{compact}\n"
        "\nFILER:\n\n\tCOMPANY DATA:\t\n"
        f"\t\tCOMPANY CONFORMED NAME:\t\t\t{filing.company}\n"
        f"\t\tCENTRAL INDEX KEY:\t\t\t{int(filing.cik):010d}\n"
        "</SEC-HEADER>\n"
        "<DOCUMENT>\n<TYPE>8-K\n<SEQUENCE>1\n"
        f"<FILENAME>{filing.primary_document}\n<DESCRIPTION>FORM 8-K\n<TEXT>\n"
    )
    return header.encode() + filing.htm.read_bytes() + b"\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n"


def _columns(filings: list[Filing]) -> dict[str, list[str]]:
    return {
        "accessionNumber": [f.accession for f in filings],
        "filingDate": [f.filing_date for f in filings],
        "reportDate": [f.report_date for f in filings],
        "form": ["8-K" for _ in filings],
        "items": [",".join(f.items) for f in filings],
        "primaryDocument": [f.primary_document for f in filings],
    }


@dataclass
class Fault:
    """What to do instead of answering: a status (with headers), another body, or a pause before the answer."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    body: bytes | None = None


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    at: float  # time.monotonic() on arrival
    path: str
    user_agent: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


class FakeEdgar:
    """Use as a context manager; `url` is the base for www.sec.gov, data.sec.gov and efts.sec.gov alike."""

    def __init__(self, root: Path = CORPUS) -> None:
        self.filings = load_corpus(root)
        self.log: list[Seen] = []
        self.faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)  # quick shutdown

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, path: str, *faults: Fault) -> None:
        """Answer the next requests for `path` with these faults, one each, then normally again."""
        with self._lock:
            self.faults.setdefault(path, []).extend(faults)

    def requests_for(self, path: str) -> list[Seen]:
        return [seen for seen in self.log if seen.path == path]

    def by_cik(self, cik: str) -> list[Filing]:
        """A company's filings, newest first (EDGAR's order)."""
        mine = [f for f in self.filings.values() if f.cik == str(int(cik))]
        return sorted(mine, key=lambda f: (f.filing_date, f.accession), reverse=True)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """Status, body and content type for a GET, as EDGAR would give them."""
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "submissions":
            return self._submissions(parts[1])
        if path == "/LATEST/search-index":
            return self._search(query.get("q", [""])[0].strip('"'))
        if len(parts) == 6 and parts[:3] == ["Archives", "edgar", "data"]:
            filing = self.filings.get(parts[5].removesuffix(".txt"))
            if filing is not None and path == filing.txt_path:
                return 200, full_submission(filing), "text/plain"
            match = [f for f in self.filings.values() if path == f"{f.folder}/{f.primary_document}"]
            if match:
                return 200, match[0].htm.read_bytes(), "text/html"
        return 404, b"<html><body>Not Found</body></html>", "text/html"

    def _submissions(self, name: str) -> tuple[int, bytes, str]:
        if not name.startswith("CIK") or not name.endswith(".json"):
            return 404, b"{}", "application/json"
        cik, _, page = name[3:].removesuffix(".json").partition("-submissions-")
        filings = self.by_cik(cik) if cik.isdigit() else []
        if not filings:
            return 404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml"
        recent, older = filings[:RECENT_PER_PAGE], filings[RECENT_PER_PAGE:]
        if page:
            body: dict[str, Any] = _columns(older) if page == "001" and older else {}
            return (200, json.dumps(body).encode(), "application/json") if body else (404, b"{}", "application/json")
        files = [
            {"name": f"CIK{int(cik):010d}-submissions-001.json", "filingCount": len(older),
             "filingFrom": older[-1].filing_date, "filingTo": older[0].filing_date}
        ] if older else []  # fmt: skip
        body = {
            "cik": str(int(cik)), "entityType": "operating", "name": filings[0].company,
            "filings": {"recent": _columns(recent), "files": files},
        }  # fmt: skip
        return 200, json.dumps(body).encode(), "application/json"

    def _search(self, accession: str) -> tuple[int, bytes, str]:
        filing = self.filings.get(accession)
        hits = [] if filing is None else [{
            "_id": f"{filing.accession}:{filing.primary_document}",
            "_source": {
                "adsh": filing.accession, "ciks": [f"{int(filing.cik):010d}"],
                "display_names": [f"{filing.company}  (CIK {int(filing.cik):010d})"],
                "form": "8-K", "file_date": filing.filing_date, "items": filing.items,
            },
        }]  # fmt: skip
        body = {"hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}}
        return 200, json.dumps(body).encode(), "application/json"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                with fake._lock:
                    fake.log.append(Seen(time.monotonic(), url.path, self.headers.get("user-agent")))
                    queued = fake.faults.get(url.path)
                    fault = queued.pop(0) if queued else Fault()
                if fault.delay_s:
                    time.sleep(fault.delay_s)
                if fault.status != 200 or fault.body is not None:
                    message = f"<html><body>{html.escape(str(fault.status))}</body></html>".encode()
                    self._send(fault.status, fault.body or message, "text/html", fault.headers)
                    return
                status, body, content_type = fake.answer(url.path, urllib.parse.parse_qs(url.query))
                self._send(status, body, content_type, {})

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    self.wfile.write(body)

        return Handler

    def __enter__(self) -> FakeEdgar:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
