"""Turn whatever a user points at (a path, bytes, text; plain, HTML or an EDGAR submission) into clean text.

Everything downstream works on one normalized string and character offsets into it, so this is the only
place that knows about encodings, markup and SGML envelopes. Input that cannot be a filing is refused
here, with a reason a user can act on, before any model is called.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from eightk.errors import InputError

MAX_BYTES = 10 * 1024 * 1024  # a 10 MB 8-K is already an outlier (the corpus' largest is 73 kB)

_BINARY_MAGIC = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG",
    b"GIF8": "GIF",
    b"\xff\xd8\xff": "JPEG",
    b"PK\x03\x04": "ZIP/Office",
    b"\x7fELF": "executable",
}
_FILING_MARKERS = re.compile(
    r"8-K|current\s+report|securities\s+exchange\s+act|\bitem\s+\d{1,2}(\.\d{2})?\b", re.IGNORECASE
)
_SGML_DOCUMENT = re.compile(r"<DOCUMENT>(.*?)</DOCUMENT>", re.DOTALL | re.IGNORECASE)
_SGML_TYPE = re.compile(r"<TYPE>\s*([^\s<]+)", re.IGNORECASE)
_SGML_TEXT = re.compile(r"<TEXT>(.*?)</TEXT>", re.DOTALL | re.IGNORECASE)
_HTML_HINT = re.compile(r"<\s*(html|body|div|p|table|br|font|span)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Filing:
    """A filing's normalized text and what is known about where it came from."""

    text: str
    name: str
    content_hash: str
    encoding: str = "utf-8"
    markup: str = "text"  # text | html | sgml
    notes: list[str] = field(default_factory=list)


def read_filing(source: str | Path | bytes, *, name: str | None = None, max_bytes: int = MAX_BYTES) -> Filing:
    """Read a path, raw bytes, or filing text itself. Raises `InputError` for input that is not a filing."""
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: {size:,} bytes is larger than the {max_bytes:,}-byte limit (max_bytes)")
        return read_filing(path.read_bytes(), name=name or path.name, max_bytes=max_bytes)
    label = name or "<text>"
    raw = source.encode("utf-8") if isinstance(source, str) else source
    if len(raw) > max_bytes:
        raise InputError(f"{label}: {len(raw):,} bytes is larger than the {max_bytes:,}-byte limit (max_bytes)")
    if not raw.strip():
        raise InputError(f"{label}: empty input")
    for magic, kind in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise InputError(f"{label}: this is a {kind} file, not text; convert it to text or HTML first")
    if b"\x00" in raw[:8192]:
        raise InputError(f"{label}: binary data (NUL bytes), not a text filing")
    text, encoding = _decode(raw)
    notes = [] if encoding == "utf-8" else [f"decoded as {encoding}"]
    text, markup = _unwrap(text)
    text = _normalize(text)
    if not text.strip():
        raise InputError(f"{label}: no text left after removing markup")
    if not _FILING_MARKERS.search(text):
        raise InputError(f"{label}: does not look like an SEC filing (no form type, item or Exchange Act mention)")
    return Filing(
        text=text,
        name=label,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        encoding=encoding,
        markup=markup,
        notes=notes,
    )


def _looks_like_path(text: str) -> bool:
    return len(text) < 4096 and "\n" not in text and "<" not in text


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _unwrap(text: str) -> tuple[str, str]:
    """Strip the SGML envelope and HTML markup, keeping each document of a submission in order."""
    documents = _SGML_DOCUMENT.findall(text)
    if documents:
        parts = []
        for document in documents:
            kind = _SGML_TYPE.search(document)
            body = _SGML_TEXT.search(document)
            content = body.group(1) if body else document
            header = f"<DOCUMENT type={kind.group(1) if kind else 'UNKNOWN'}>"
            parts.append(f"{header}\n{_html_to_text(content) if _HTML_HINT.search(content) else content}")
        return "\n\n".join(parts), "sgml"
    if _HTML_HINT.search(text):
        return _html_to_text(text), "html"
    return text, "text"


def _html_to_text(markup: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for element in soup(["script", "style", "head", "noscript", "template"]):
        element.decompose()
    for element in soup.find_all(["p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"]):
        element.insert_before("\n")
    return soup.get_text()


def _normalize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{4,}", "\n\n\n", text)
