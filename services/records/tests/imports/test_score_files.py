"""Reading score files, without a database: any bytes are read or refused with a problem, never
an exception of another kind; a file written in any accepted encoding reads back its cells."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from zikao_records.service.score_files import ScoreFileError, open_score_file

HEADER = "准考证号,课程代码,成绩,状态\r\n"
cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=',"\r\n\x00 \t'),
    max_size=12,
)
rows = st.lists(st.tuples(cells, cells, cells, cells), max_size=30)


@settings(max_examples=300)
@given(st.binary(max_size=4096))
def test_any_bytes_are_read_or_refused_with_a_problem(body: bytes) -> None:
    assert read_or_refuse(body) in {
        "read",
        "empty_file",
        "unreadable_encoding",
        "missing_columns",
        "not_a_score_file",
        "unreadable_file",
    }


def read_or_refuse(body: bytes) -> str:
    """`read` when every line was read (numbered after the header), else the problem's code."""
    try:
        score_file = open_score_file(io.BytesIO(body))
        numbers = [line.line for line in score_file.lines]
    except ScoreFileError as error:
        return error.code
    return "read" if all(number >= 2 for number in numbers) else "misnumbered"


@settings(max_examples=150)
@given(rows, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_a_file_in_any_accepted_encoding_reads_back_its_cells(
    lines: list[tuple[str, str, str, str]], encoding: str
) -> None:
    text = HEADER + "".join(",".join(row) + "\r\n" for row in lines)
    try:
        body = text.encode(encoding)
    except UnicodeEncodeError:
        return  # not writable in GB18030: Excel could not have saved it so either
    score_file = open_score_file(io.BytesIO(body))
    kept = [row for row in lines if any(cell for cell in row)]
    read = [(x.ticket_number, x.course_code, x.value, x.status) for x in score_file.lines]
    assert read == [tuple(cell or None for cell in row) for row in kept]
    if encoding != "gb18030" or text.isascii():
        assert score_file.encoding in {encoding, "utf-8"}


def test_short_blank_and_nul_lines_read_as_before() -> None:
    """Each way a line can be cut: all cells there, the status cell missing, a required cell
    missing, a blank line (spaces of any width), a NUL."""
    body = HEADER + "500126100001 ,03706, 80,正常\r\n500126100001,03707,60\r\n"
    body += "500126100001,03708\r\n\u3000, ,\r\n500126100001,0\x0037,5,\r\n"
    lines = list(open_score_file(io.BytesIO(body.encode())).lines)
    assert [tuple(line) for line in lines] == [
        (2, "500126100001", "03706", "80", "正常", None),
        (3, "500126100001", "03707", "60", None, None),
        (4, "500126100001", "03708", None, None, "missing_cells"),
        (6, None, None, None, None, "nul_character"),
    ]
