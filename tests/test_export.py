"""Results become tables: one row per document (failures included) and one per deal and appointment, with
money as decimals, dates as dates and lists as lists, queryable as the README shows."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import FILING, GOOD_DEAL, make_test_client
from typer.testing import CliRunner

from eightk.cli import app
from eightk.extract.batch import extract_many
from eightk.extract.export import export
from eightk.extract.reader import read_filing
from eightk.fakeserver import FakeOpenAI, Reply, answer

APPOINTMENT_FILING = """FORM 8-K
CURRENT REPORT Pursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934

Item 5.02 Departure of Directors or Certain Officers; Election of Directors; Appointment of Certain Officers.

On May 1, 2024, the Board of Directors of Acme Robotics, Inc. appointed Jane Q. Smith, age 52, as Chief \
Financial Officer and Treasurer, effective May 15, 2024.
"""

APPOINTMENT = {"appointments": [{
    "person": "Jane Q. Smith", "action": "appointed", "titles": ["Chief Financial Officer", "Treasurer"],
    "company": "Acme Robotics, Inc.", "effective_date": "May 15, 2024", "predecessor": None, "prior_positions": [],
    "interim": False, "age": 52,
    "evidence": "the Board of Directors of Acme Robotics, Inc. appointed Jane Q. Smith, age 52, as Chief Financial "
                "Officer and Treasurer, effective May 15, 2024",
}]}  # fmt: skip


def model(body: dict[str, Any]) -> Reply:
    """Answers what each passage holds: the licence (its upfront as the passage writes it), the appointment."""
    passage = body["messages"][-1]["content"]
    if body["response_format"]["json_schema"]["name"] == "AppointmentsInPassage":
        return answer(APPOINTMENT if "Jane Q. Smith" in passage else {"appointments": []})
    if "license agreement" not in passage:
        return answer({"deals": []})
    upfront = "$25 million" if "$25 million" in passage else "$5 million"
    return answer({"deals": [{**GOOD_DEAL["deals"][0], "upfront_payment": upfront}]})


async def batch(folder: Path) -> tuple[Path, list[Path]]:
    sources = []
    for index, text in enumerate([FILING, FILING.replace("$5 million", "$25 million"), APPOINTMENT_FILING]):
        sources.append(folder / f"filing{index}.txt")
        sources[-1].write_text(text)
    out = folder / "results.jsonl"
    with FakeOpenAI(model) as server:
        client = make_test_client(server.url)
        await extract_many([*sources, folder / "missing.txt"], out=out, client=client, show_progress=False)
        await client.aclose()
    return out, sources


async def test_parquet_tables_have_typed_columns_and_answer_the_readme_query(tmp_path: Path) -> None:
    out, sources = await batch(tmp_path)
    result = CliRunner().invoke(app, ["export", str(out), "--to", str(tmp_path / "tables")])
    assert result.exit_code == 0, result.output
    documents = pq.read_table(tmp_path / "tables" / "documents.parquet")
    deals = pq.read_table(tmp_path / "tables" / "deals.parquet")
    appointments = pq.read_table(tmp_path / "tables" / "appointments.parquet")
    assert (documents.num_rows, deals.num_rows, appointments.num_rows) == (4, 2, 1)

    assert documents.schema.field("items").type == pa.list_(pa.string())
    assert documents.schema.field("filing_date").type == pa.date32()
    failed = [row for row in documents.to_pylist() if row["error"]]
    assert [row["source"] for row in failed] == [str(tmp_path / "missing.txt")] and "no such file" in failed[0]["error"]

    assert deals.schema.field("upfront_payment_amount").type == pa.decimal128(38, 6)
    assert deals.schema.field("agreement_date").type == pa.date32()
    assert pa.types.is_list(deals.schema.field("parties").type)
    first = next(row["key"] for row in documents.to_pylist() if row["source"] == str(sources[0]))
    deal = next(row for row in deals.to_pylist() if row["key"] == first)  # rows come in the order documents finish
    assert (deal["upfront_payment_amount"], deal["upfront_payment_currency"]) == (Decimal(5_000_000), "USD")
    assert (deal["milestone_payments_total_amount"], deal["milestone_payments_total_qualifier"]) == (
        Decimal(60_000_000), "up_to")  # fmt: skip
    assert deal["agreement_date"] == dt.date(2024, 6, 3)
    assert [p["name"] for p in deal["parties"]] == ["Acme Robotics, Inc.", "Beta Motors GmbH"]
    text = read_filing(sources[0]).text
    assert text[deal["evidence_start"] : deal["evidence_end"]] == deal["evidence_quote"]

    person = appointments.to_pylist()[0]
    assert person["titles"] == ["Chief Financial Officer", "Treasurer"]
    assert (person["effective_date"], person["age"]) == (dt.date(2024, 5, 15), 52)

    # The README's query: licenses with an up-front payment over $10 million, with the filing they are in.
    query = f"""
        SELECT d.document, l.upfront_payment_amount AS upfront
        FROM '{tmp_path}/tables/deals.parquet' l JOIN '{tmp_path}/tables/documents.parquet' d USING (key)
        WHERE l.deal_type = 'license' AND l.upfront_payment_currency = 'USD' AND l.upfront_payment_amount > 10e6
    """
    assert duckdb.sql(query).fetchall() == [("filing1.txt", Decimal(25_000_000))]


async def test_csv_tables_hold_the_same_rows_with_lists_as_json(tmp_path: Path) -> None:
    out, _ = await batch(tmp_path)
    result = CliRunner().invoke(app, ["export", str(out), "--to", str(tmp_path / "csv"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    with (tmp_path / "csv" / "deals.csv").open() as handle:
        deals = list(csv.DictReader(handle))
    with (tmp_path / "csv" / "documents.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 4
    assert sorted(Decimal(d["upfront_payment_amount"]) for d in deals) == [5_000_000, 25_000_000]
    assert json.loads(deals[0]["parties"])[1] == {"name": "Beta Motors GmbH", "role": "licensee"}


async def test_a_failure_a_later_run_fixed_is_not_a_row(tmp_path: Path) -> None:
    out, _ = await batch(tmp_path)
    (tmp_path / "missing.txt").write_text(FILING.replace("$5 million", "$7 million"))
    await batch(tmp_path)  # extracts the file that was missing; the others are skipped
    export(out, tmp_path / "tables")
    documents = pq.read_table(tmp_path / "tables" / "documents.parquet").to_pylist()
    assert len(documents) == 4 and not any(row["error"] for row in documents)


def test_a_file_that_is_not_a_results_file_is_one_line_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.jsonl"
    bogus.write_text('{"hello": "world"}\n')
    result = CliRunner().invoke(app, ["export", str(bogus), "--to", str(tmp_path / "t")])
    assert result.exit_code == 1 and "is not an eightk result" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["export", str(tmp_path / "none.jsonl"), "--to", str(tmp_path / "t")])
    assert missing.exit_code == 1 and "no such results file" in missing.output
