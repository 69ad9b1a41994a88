"""Turn whatever a user points at (a path, bytes, text; plain, HTML or an EDGAR submission) into clean text.

Everything downstream works on one normalized string and character offsets into it, so this is the only
place that knows about encodings, markup and SGML envelopes. Input that cannot be a filing is refused
here, with a reason a user can act on, before any model is called.

Plain text passes through with only its line ends, Unicode spaces and trailing blanks normalized: recorded
model answers are keyed by the exact text read, so the plain-text path must not change what it produces.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

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
_SGML_HEADER = re.compile(r"<(SEC|IMS)-HEADER>(.*?)(?:</\1-HEADER>|(?=<DOCUMENT>)|\Z)", re.DOTALL | re.IGNORECASE)
# A document runs to its end tag, or to the next document when a truncated submission lost it.
_SGML_DOCUMENT = re.compile(r"<DOCUMENT>(.*?)(?:</DOCUMENT>|(?=<DOCUMENT>)|\Z)", re.DOTALL | re.IGNORECASE)
_SGML_TYPE = re.compile(r"<TYPE>\s*([^\s<]+)", re.IGNORECASE)
_SGML_TEXT = re.compile(r"<TEXT>(.*?)(?:</TEXT>|\Z)", re.DOTALL | re.IGNORECASE)
_SGML_PAGE = re.compile(r"^[ \t]*</?PAGE>[ \t]*\n?", re.IGNORECASE | re.MULTILINE)
_UUENCODED = re.compile(r"\A\s*begin [0-7]{3} ", re.IGNORECASE)
# Documents of a submission that hold no prose: images, archives, spreadsheets and XBRL data.
_NON_TEXT_TYPE = re.compile(r"^(GRAPHIC|ZIP|EXCEL|PDF|XML|JSON|EX-101\.|EX-104)", re.IGNORECASE)
_HTML_HINT = re.compile(r"<\s*(html|body|div|p|table|br|font|span)\b", re.IGNORECASE)

# What a reader sees as a space; filing agents write "Item&nbsp;5.02" or a thin space as often as a blank.
_UNICODE_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_HTML_SKIPPED = {"script", "style", "head", "title", "noscript", "template", "ix:header"}
_HTML_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_HTML_LINE = {"br", "li", "dt", "dd", "tr", "td", "th"}  # td/th/tr outside a table: one line each
_HTML_PARAGRAPH = {
    "address", "article", "aside", "blockquote", "caption", "center", "dir", "div", "dl", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "menu", "nav", "ol", "p",
    "page", "pre", "section", "table", "ul",
}  # fmt: skip
_CELL_SEPARATOR = " | "
# Cells that only hold a currency sign or a closing bracket belong to the number next to them.
_CELL_PREFIX = re.compile(r"^(\$|US\$|€|£|\(|\(\$)$")
_CELL_SUFFIX = re.compile(r"^(%|\)|\)%|%\))$")


@dataclass(frozen=True)
class FilingHeader:
    """What the SEC's own header of a full submission (`<SEC-HEADER>`) states, read rather than guessed."""

    accession_number: str | None
    cik: str | None
    company_name: str | None
    form_type: str | None
    filed_as_of: dt.date | None
    period_of_report: dt.date | None
    items: tuple[str, ...] = ()  # the ITEM INFORMATION lines as declared, e.g. "Results of Operations..."


@dataclass(frozen=True)
class Filing:
    """A filing's normalized text and what is known about where it came from."""

    text: str
    name: str
    content_hash: str
    markup: str = "text"  # text | html | sgml
    notes: list[str] = field(default_factory=list)
    header: FilingHeader | None = None


def read_filing(
    source: str | os.PathLike[str] | bytes, *, name: str | None = None, max_bytes: int = MAX_BYTES
) -> Filing:
    """Read a filing. The type says what `source` is: a `Path` (any `os.PathLike`) is a file to open, a `str`
    is the filing's text itself, `bytes` its raw content (any encoding; plain, HTML or an EDGAR submission).

    A `str` is never looked up on disk, so filing text cannot be mistaken for a missing file; a one-line `str`
    that looks like a file name is refused with the fix (`Path(...)`) rather than sent to a model as text.
    Raises `InputError` for input that is not a filing.
    """
    if isinstance(source, str) and _looks_like_file_name(source):
        raise InputError(f"{source!r} looks like a file name, but a str is read as the filing's text; "
                         f"to read the file, pass Path({source!r})")  # fmt: skip
    if isinstance(source, os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise InputError(f"{path}: {size:,} bytes is larger than the {max_bytes:,}-byte limit for one filing")
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None
        return read_filing(data, name=name or path.name, max_bytes=max_bytes)
    label = name or "<text>"
    raw = source.encode("utf-8", errors="replace") if isinstance(source, str) else source
    if len(raw) > max_bytes:
        raise InputError(f"{label}: {len(raw):,} bytes is larger than the {max_bytes:,}-byte limit for one filing")
    if not raw.strip():
        raise InputError(f"{label}: empty input")
    for magic, kind in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise InputError(f"{label}: this is a {kind} file, not text; convert it to text or HTML first")
    text, encoding = _decode(raw, label)
    notes = [] if encoding == "utf-8" else [f"decoded as {encoding}"]
    header = _parse_header(text)
    text, markup, skipped = _unwrap(text)
    if skipped:
        notes.append(f"skipped {len(skipped)} document(s) without prose: {', '.join(skipped)}")
    text = _normalize(text)
    if not text.strip():
        raise InputError(f"{label}: no text left after removing markup")
    if not _FILING_MARKERS.search(text):
        raise InputError(f"{label}: does not look like an SEC filing (no form type, item or Exchange Act mention)")
    return Filing(
        text=text,
        name=label,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        markup=markup,
        notes=notes,
        header=header,
    )


def _looks_like_file_name(text: str) -> bool:
    """One line that names a file, has no blank in it, or ends like a filing's file name ('8-k.htm')."""
    line = text.strip()
    if not line or "\n" in line or len(line) > 1024:
        return False
    try:
        exists = Path(line).is_file()
    except OSError:  # not a possible path on this system
        exists = False
    return exists or not any(c.isspace() for c in line) or line.lower().endswith((".txt", ".htm", ".html"))


def _decode(raw: bytes, label: str) -> tuple[str, str]:
    """Text and the name of its encoding; UTF-16 is recognised before NUL bytes are taken for binary."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace"), "UTF-16"
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return raw.decode(utf16, errors="replace"), "UTF-16"
    if b"\x00" in raw[:8192]:
        raise InputError(f"{label}: binary data (NUL bytes), not a text filing")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _utf16_without_bom(raw: bytes) -> str | None:
    """ "utf-16-le" or "-be" when every other byte is NUL, as in mostly-ASCII text saved as UTF-16."""
    sample = raw[:4096]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even, odd = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if odd >= 0.7 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.7 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _header_value(header: str, key: str) -> str | None:
    match = re.search(rf"^[ \t]*{key}:([^\n]*)", header, re.IGNORECASE | re.MULTILINE)
    return (match.group(1).strip() or None) if match else None


def _header_date(value: str | None) -> dt.date | None:
    if value is None or not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _parse_header(text: str) -> FilingHeader | None:
    match = _SGML_HEADER.search(text[:200_000])
    if not match:
        return None
    header = match.group(2)
    declared = re.findall(r"^[ \t]*(?:ITEM INFORMATION:|<ITEMS>)([^\n]*)", header, re.IGNORECASE | re.MULTILINE)
    items = [item.strip() for item in declared if item.strip()]
    return FilingHeader(
        accession_number=_header_value(header, "ACCESSION NUMBER"),
        cik=_header_value(header, "CENTRAL INDEX KEY"),
        company_name=_header_value(header, "COMPANY CONFORMED NAME"),
        form_type=_header_value(header, "CONFORMED SUBMISSION TYPE") or _header_value(header, "FORM TYPE"),
        filed_as_of=_header_date(_header_value(header, "FILED AS OF DATE")),
        period_of_report=_header_date(_header_value(header, "CONFORMED PERIOD OF REPORT")),
        items=tuple(items),
    )


def _unwrap(text: str) -> tuple[str, str, list[str]]:
    """Strip the SGML envelope and HTML markup, keeping each prose document of a submission in order.

    Also returns the types of the documents left out because they hold no prose (images, XBRL data).
    """
    documents = _SGML_DOCUMENT.findall(text)
    if documents:
        parts, skipped = [], []
        for document in documents:
            kind = _SGML_TYPE.search(document)
            doc_type = kind.group(1) if kind else "UNKNOWN"
            body = _SGML_TEXT.search(document)
            content = body.group(1) if body else document
            if _NON_TEXT_TYPE.match(doc_type) or _UUENCODED.match(content):
                skipped.append(doc_type)
                continue
            readable = _html_to_text(content) if _HTML_HINT.search(content) else _SGML_PAGE.sub("", content)
            parts.append(f"<DOCUMENT type={doc_type}>\n" + readable.strip("\n"))
        return "\n\n".join(parts), "sgml", skipped
    if _HTML_HINT.search(text):
        return _html_to_text(text), "html", []
    return text, "text", []


class _Block:
    """Text being laid out, with line breaks requested lazily so that nested blocks give one break."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0  # 1: a line break before the next text, 2: a blank line

    def brk(self, level: int) -> None:
        if self.parts:
            self.pending = max(self.pending, level)

    def line_break(self) -> None:
        """A `<br>`: unlike a block edge, two in a row leave a blank line."""
        if self.parts:
            self.pending = min(self.pending + 1, 2)

    def add(self, text: str, *, verbatim: bool = False) -> None:
        if not verbatim:
            text = text.lstrip(" ") if self.pending or not self.parts or self.parts[-1].endswith((" ", "\n")) else text
            if not text:
                return
        if self.pending:
            self.parts[-1] = self.parts[-1].rstrip(" ")
            self.parts.append("\n" * self.pending)
            self.pending = 0
        self.parts.append(text)

    def value(self) -> str:
        return "".join(self.parts).rstrip(" ")


class _Table:
    """One open table: its open row (cells laid out so far) and its open cell, tracked by element."""

    def __init__(self, element: Tag) -> None:
        self.element = element
        self.row: Tag | None = None
        self.cells: list[str] = []
        self.cell: Tag | None = None


class _Layout:
    """The text of an HTML tree walked as start and end events, with tables as rows of " | "-separated cells.

    Filing agents leave `</td>`, `</tr>` and `</p>` out, which html.parser turns into cells nested in
    cells; opening a cell or row therefore closes the open one, as a browser does.
    """

    def __init__(self) -> None:
        self.blocks = [_Block()]
        self.tables: list[_Table] = []
        self.pre = 0

    def start(self, tag: Tag) -> None:
        name = tag.name
        table = self.tables[-1] if self.tables else None
        if name == "table":
            self.blocks[-1].brk(2)
            self.tables.append(_Table(tag))
        elif name in ("tr", "td", "th") and table is not None:
            self._close_cell(table)
            if name == "tr":
                self._close_row(table)
                table.row = tag
            else:
                table.row = table.row or tag
                table.cell = tag
                self.blocks.append(_Block())
        elif name == "br":
            self.blocks[-1].line_break()
        elif name in _HTML_LINE:
            self.blocks[-1].brk(1)
        elif name in _HTML_PARAGRAPH:
            self.blocks[-1].brk(2)
        if name == "pre":
            self.pre += 1

    def end(self, tag: Tag) -> None:
        name = tag.name
        if name == "table":
            if any(open_table.element is tag for open_table in self.tables):
                while self.tables:
                    closed = self.tables.pop()
                    self._close_cell(closed)
                    self._close_row(closed)
                    if closed.element is tag:
                        break
                self.blocks[-1].brk(2)
        elif name in ("tr", "td", "th") and self.tables:
            table = self.tables[-1]
            if table.cell is tag:
                self._close_cell(table)
            elif table.row is tag:
                self._close_cell(table)
                self._close_row(table)
        elif name in _HTML_PARAGRAPH:
            self.blocks[-1].brk(2)
        elif name in _HTML_LINE:
            self.blocks[-1].brk(1)
        if name == "pre":
            self.pre -= 1

    def text(self, value: str) -> None:
        if self.pre:
            self.blocks[-1].add(value.replace("\r\n", "\n"), verbatim=True)
        else:
            self.blocks[-1].add(_HTML_WHITESPACE.sub(" ", _UNICODE_SPACES.sub(" ", value)))

    def finish(self) -> str:
        while self.tables:
            table = self.tables.pop()
            self._close_cell(table)
            self._close_row(table)
        return self.blocks[0].value()

    def _close_cell(self, table: _Table) -> None:
        if table.cell is not None:
            table.cells.append(self.blocks.pop().value().strip())
            table.cell = None

    def _close_row(self, table: _Table) -> None:
        if table.row is None:
            return
        cells = [cell for cell in table.cells if cell]
        table.row, table.cells = None, []
        block = self.blocks[-1]
        block.brk(1)
        if len(cells) == 1:
            block.add(cells[0], verbatim=True)
        elif cells:
            block.add(_CELL_SEPARATOR.join(_glue(" ".join(cell.split()) for cell in cells)))
        block.brk(1)


def _glue(cells: Iterable[str]) -> list[str]:
    """Cells with a lone "$" or ")" joined to their number: "$ | 1,000 | )" reads "$1,000)"."""
    glued: list[str] = []
    attach = False
    for cell in cells:
        if glued and (attach or _CELL_SUFFIX.match(cell)):
            glued[-1] += cell
        else:
            glued.append(cell)
        attach = bool(_CELL_PREFIX.match(cell))
    return glued


def _html_to_text(markup: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, "html.parser")
    layout = _Layout()
    # An explicit stack rather than recursion: a filing's nesting depth is the filing agent's choice.
    stack: list[tuple[PageElement, bool]] = [(child, False) for child in reversed(soup.contents)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, Tag):
            if leaving:
                layout.end(node)
            elif node.name not in _HTML_SKIPPED and not _HTML_HIDDEN.search(str(node.get("style") or "")):
                layout.start(node)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            layout.text(str(node))
    return _INVISIBLE.sub("", layout.finish().replace("\u00ad", ""))


def _normalize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = _INVISIBLE.sub("", _UNICODE_SPACES.sub(" ", text)).split("\n")
    # Trailing blanks go line by line: a regex for them rescans a long run of blanks from every start.
    text = "\n".join([line.rstrip(" \t") for line in lines[:-1]] + lines[-1:])
    return re.sub(r"\n{4,}", "\n\n\n", text)
