"""Passage selection: a kind's items are read from their start, tables of contents and boilerplate are not."""

from __future__ import annotations

from eightk.extract.passages import find_passages
from eightk.extract.sections import split_sections
from eightk.schemas import APPOINTMENT, DEAL

COVER = """FORM 8-K
CURRENT REPORT Pursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934
Acme Robotics, Inc.
(Exact name of registrant as specified in its charter)

"""
TOC = """TABLE OF CONTENTS
Item 5.02. Departure of Directors or Certain Officers; Election of Directors; Appointment of Certain Officers
Item 9.01. Financial Statements and Exhibits

"""
ITEM = """Item 5.02. Departure of Directors or Certain Officers; Election of Directors; Appointment of Certain Officers

On May 1, 2024, the Board of Directors of Acme Robotics, Inc. appointed Jane Doe, 51, as Chief Financial Officer.

James Roe, 62, a director since 2000, will assume the position of non-executive chairman after the annual meeting.

Ms. Doe will receive an annual base salary of $400,000 and a target bonus of 60% of her salary under the plan.

Item 9.01. Financial Statements and Exhibits.

(d) Exhibits. 99.1 Press release dated May 1, 2024.
"""


def _spans(text: str, kinds: tuple = (APPOINTMENT, DEAL), per_kind: int = 3) -> list[tuple[str | None, str]]:
    passages = find_passages(text, kinds, split_sections(text), max_chars=1600, max_per_kind=per_kind)
    return [(p.kind, p.text(text)) for p in passages]


def test_an_item_of_the_kind_is_read_from_its_start_even_where_no_keyword_says_appointment() -> None:
    text = COVER + TOC + ITEM
    chosen = _spans(text)
    assert [kind for kind, _ in chosen] == ["appointment"]  # Item 5.02 is no deal item; nothing else is read
    passage = chosen[0][1]
    assert passage.startswith("Item 5.02") and "appointed Jane Doe" in passage
    assert "will assume the position of non-executive chairman" in passage  # no appointment keyword in it
    assert "TABLE OF CONTENTS" not in passage


def test_a_table_of_contents_entry_is_not_a_passage() -> None:
    text = COVER + TOC + ITEM
    starts = [text.index(passage) for _, passage in _spans(text)]
    assert all(start > text.index("TABLE OF CONTENTS") + len(TOC) - 2 for start in starts)


def test_boilerplate_joined_to_an_announcement_does_not_silence_it() -> None:
    """A filing without item headers: the announcement follows the cover's check-box boilerplate."""
    text = COVER + (
        "Check the appropriate box below if the Form 8-K filing is intended to simultaneously satisfy the filing "
        "obligation of the registrant under any of the following provisions:\n\n"
        "(b) John P. Mulroney, 68, a member of the Board of Directors of Acme Robotics, Inc. since 1987, died "
        "on Friday, September 24, 2004. The company extends its condolences to his family.\n"
    )
    chosen = _spans(text)
    assert any("Mulroney" in passage and "Check the appropriate box" not in passage for _, passage in chosen)
