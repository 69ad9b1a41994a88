"""Results as tables: a batch's JSONL becomes `documents`, and one table per record kind (`deals`,
`appointments`), as Parquet or CSV, to query with DuckDB, pandas, Spark or a spreadsheet.

A record table's columns follow its kind's record model, so a kind registered later gets its table too:
money becomes `<field>_amount` (decimal), `_currency`, `_qualifier` and `_text` columns, dates are dates,
lists (parties, titles) are lists, and the first piece of evidence is `evidence_quote`, `evidence_start`,
`evidence_end` (offsets into `read_filing(source).text`) beside the list of all of it. Every row carries the
document's `key`, which joins it to `documents`. CSV has no lists: they are written as JSON text.

Documents that failed are rows of `documents` with an `error` (the latest failure of a document that no run
has extracted since). Rows are written in chunks, so a results file of any size exports in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from eightk.errors import ConfigError, InputError
from eightk.extract.ledger import errors_path
from eightk.extract.results import ExtractionResult
from eightk.schemas import RecordKind, registered

Format = Literal["parquet", "csv"]
CHUNK_ROWS = 10_000
AMOUNT_PRECISION, AMOUNT_SCALE = 38, 6  # whole units up to 10^32, to a millionth


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ConfigError("export needs pyarrow: pip install 'eightk[export]'") from None
    return pyarrow


def arrow_type(annotation: Any) -> Any:
    """The Arrow type of a record field's annotation (`X | None` is X: every column is nullable)."""
    pa = _pyarrow()
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return arrow_type(next(a for a in arguments if a is not type(None)))
    if origin is list:
        return pa.list_(arrow_type(arguments[0]))
    simple = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), dt.date: pa.date32(), str: pa.string(),
              Decimal: pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)}  # fmt: skip
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([(name, arrow_type(f.annotation)) for name, f in annotation.model_fields.items()])
    for python, arrow in simple.items():  # bool before int, str last: an enum is its str value
        if isinstance(annotation, type) and issubclass(annotation, python):
            return arrow
    raise TypeError(f"no Arrow type for {annotation!r}")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model of a field that holds one model or None (money), which is flattened into columns."""
    candidates = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if len(models) == 1 else None


def document_schema() -> Any:
    pa = _pyarrow()
    counts = [(f"{kind.name}_count", pa.int64()) for kind in registered()]
    return pa.schema([
        ("key", pa.string()), ("source", pa.string()), ("document", pa.string()), ("content_hash", pa.string()),
        ("cik", pa.string()), ("accession_number", pa.string()), ("company", pa.string()),
        ("form_type", pa.string()), ("filing_date", pa.date32()), ("report_date", pa.date32()),
        ("items", pa.list_(pa.string())), ("model", pa.string()), ("prompt", pa.string()),
        ("prompt_sha256", pa.string()), ("calls", pa.int64()), ("attempts", pa.int64()),
        ("prompt_tokens", pa.int64()), ("completion_tokens", pa.int64()), ("seconds", pa.float64()),
        *counts, ("warnings", pa.list_(pa.string())), ("error", pa.string()),
    ])  # fmt: skip


def record_schema(kind: RecordKind) -> Any:
    pa = _pyarrow()
    columns = [("key", pa.string()), ("source", pa.string()), ("document", pa.string()), ("index", pa.int64())]
    for name, field in kind.record.model_fields.items():
        model = _model_of(field.annotation)
        if model is not None:
            columns += [(f"{name}_{sub}", arrow_type(f.annotation)) for sub, f in model.model_fields.items()]
        else:
            columns.append((name, arrow_type(field.annotation)))
    columns += [("evidence_quote", pa.string()), ("evidence_start", pa.int64()), ("evidence_end", pa.int64())]
    return pa.schema(columns)


def _document_row(key: str | None, source: str, result: ExtractionResult) -> dict[str, Any]:
    extraction, usage = result.extraction, result.usage
    return {
        "key": key, "source": source, "document": result.document, "content_hash": result.content_hash,
        "cik": result.cik, "accession_number": result.accession_number, "company": extraction.company,
        "form_type": extraction.form_type, "filing_date": extraction.filing_date,
        "report_date": extraction.report_date, "items": extraction.items, "model": result.model,
        "prompt": result.prompt, "prompt_sha256": result.prompt_sha256, "calls": usage.calls,
        "attempts": usage.attempts, "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens, "seconds": result.latency_s,
        **{f"{kind.name}_count": len(extraction.records_of(kind)) for kind in registered()},
        "warnings": result.warnings, "error": None,
    }  # fmt: skip


def _record_rows(kind: RecordKind, key: str | None, source: str, result: ExtractionResult) -> Iterator[dict[str, Any]]:
    for index, record in enumerate(result.extraction.records_of(kind)):
        values = record.model_dump()
        row: dict[str, Any] = {"key": key, "source": source, "document": result.document, "index": index}
        for name, field in type(record).model_fields.items():
            model = _model_of(field.annotation)
            if model is not None:
                row |= {f"{name}_{sub}": (values[name] or {}).get(sub) for sub in model.model_fields}
            else:
                row[name] = values[name]
        first = values["evidence"][0] if values["evidence"] else {}
        row |= {"evidence_quote": first.get("quote"), "evidence_start": first.get("start"),
                "evidence_end": first.get("end")}  # fmt: skip
        yield row


def _failure_row(line: dict[str, Any]) -> dict[str, Any]:
    usage = line.get("usage") or {}
    return {"source": line["source"], "document": Path(str(line["source"])).name, "model": line.get("model"),
            "prompt": line.get("prompt"), "calls": usage.get("calls"), "attempts": usage.get("attempts"),
            "prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens"),
            "error": line.get("error")}  # fmt: skip


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by a crash, which the next batch run cuts off


class _Sink:
    """One output table, written in chunks of rows by pyarrow's Parquet or CSV writer."""

    def __init__(self, path: Path, schema: Any, form: Format) -> None:
        pa = _pyarrow()
        self.path, self.schema, self.form = path, schema, form
        self.rows: list[dict[str, Any]] = []
        self.count = 0
        if form == "parquet":
            import pyarrow.parquet as pq

            self.writer = pq.ParquetWriter(path, schema)
        else:
            import pyarrow.csv as pacsv

            self.nested = {f.name for f in schema if pa.types.is_nested(f.type)}
            flat = pa.schema([pa.field(f.name, pa.string()) if f.name in self.nested else f for f in schema])
            self.writer = pacsv.CSVWriter(path, flat)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        pa = _pyarrow()
        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        if self.form == "csv":
            for name in self.nested:
                text = [None if v is None else json.dumps(v, default=str) for v in table[name].to_pylist()]
                table = table.set_column(table.schema.get_field_index(name), name, pa.array(text, pa.string()))
        self.writer.write_table(table)
        self.count += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def export(results: Path, to: Path, form: Format = "parquet") -> dict[str, int]:
    """Write the tables of a results file (and its errors file) into `to`; returns rows per table."""
    if not results.is_file():
        raise InputError(f"{results}: no such results file")
    if form not in ("parquet", "csv"):
        raise ConfigError(f"unknown format {form!r}; choose parquet or csv")
    to.mkdir(parents=True, exist_ok=True)
    kinds = registered()
    documents = _Sink(to / f"documents.{form}", document_schema(), form)
    tables = {kind.name: _Sink(to / f"{kind.field}.{form}", record_schema(kind), form) for kind in kinds}
    extracted: set[tuple[str, str, str]] = set()
    try:
        for line in _lines(results):
            try:
                result = ExtractionResult.model_validate(line)
            except ValueError as error:
                raise InputError(f"{results}: a line is not an eightk result ({str(error).splitlines()[0]})") from None
            key, source = line.get("key"), str(line.get("source", result.document))
            extracted.add((source, result.prompt, result.model))
            documents.add(_document_row(key, source, result))
            for kind in kinds:
                for row in _record_rows(kind, key, source, result):
                    tables[kind.name].add(row)
        latest = {
            (str(f["source"]), str(f.get("prompt")), str(f.get("model"))): f for f in _lines(errors_path(results))
        }
        for identity, failure in latest.items():
            if identity not in extracted:  # a later run extracted it: its old failures are history
                documents.add(_failure_row(failure))
    finally:
        for sink in [documents, *tables.values()]:
            sink.close()
    return {sink.path.stem: sink.count for sink in [documents, *tables.values()]}
