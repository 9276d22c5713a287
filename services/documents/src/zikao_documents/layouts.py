"""What goes where on each kind of document: content → a `Sheet` that `render` draws. Adding a
kind means adding a function here, not touching the drawing code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zikao_documents.content import (
    AdmissionTicketContent,
    DocumentContent,
    ExamEntry,
    MajorLine,
    Photo,
    ResultEntry,
    ResultsContent,
)
from zikao_documents.models import DocumentKind
from zikao_kit.clock import in_beijing

WEEKDAYS = "一二三四五六日"
BLANK = "—"


@dataclass(frozen=True)
class Column:
    header: str
    share: float  # of the table's width


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Sheet:
    """A one-column A4 document: heading, who it is about (photo box top right), one ruled
    table flowing over pages when long, numbered notes. `fill_page` stretches a one-page form
    down to its footer; `blank_rows` adds ruled empty rows under the table, as a printed form
    has."""

    title: str
    subtitle: str
    issuer: str
    fields: tuple[tuple[str, str], ...]
    photo: Photo | None
    photo_box: bool
    table: Table
    notes_title: str = ""
    notes: tuple[str, ...] = ()
    fill_page: bool = False
    blank_rows: int = 0


EXAM_COLUMNS = (
    Column("课程代码", 0.09),
    Column("课程名称", 0.17),
    Column("考试日期", 0.16),
    Column("考试时间", 0.13),
    Column("时长", 0.09),
    Column("考点及地址", 0.22),
    Column("考场", 0.07),
    Column("座位", 0.07),
)
RESULT_COLUMNS = (
    Column("课程代码", 0.12),
    Column("课程名称", 0.36),
    Column("学分", 0.08),
    Column("成绩", 0.12),
    Column("考次", 0.14),
    Column("来源", 0.18),
)
SOURCES = {"EXAM": "考试", "PRACTICE": "实践考核", "THESIS": "毕业论文", "EXEMPTION": "免考"}


def local(moment: datetime) -> datetime:
    """What a document prints: Beijing time, whatever the offset it was given in (a naive time
    is UTC, as the database keeps it, not the machine's local time)."""
    return in_beijing(moment)


def exam_row(exam: ExamEntry) -> tuple[str, ...]:
    starts, ends = local(exam.starts_at), local(exam.ends_at)
    return (
        exam.course_code,
        exam.course_name,
        f"{starts:%Y年%m月%d日} 星期{WEEKDAYS[starts.weekday()]}",
        f"{starts:%H:%M}-{ends:%H:%M}",
        f"{exam.duration_minutes}分钟",
        f"{exam.venue_name}\n{exam.venue_address}",
        exam.room,
        exam.seat,
    )


def result_row(result: ResultEntry) -> tuple[str, ...]:
    score = str(result.score) if result.score is not None else result.grade or BLANK
    return (
        result.course_code,
        result.course_name,
        str(result.credits) if result.credits is not None else BLANK,
        score,
        result.sitting or BLANK,
        SOURCES.get(result.source or "", result.source or BLANK),
    )


def major_line(major: MajorLine | None) -> str:
    return f"{major.name}（{major.code}，{major.level}）" if major is not None else BLANK


TICKET_ROWS = 4  # a ticket's course table has at least this many ruled rows


def admission_ticket(content: AdmissionTicketContent, issued_at: datetime) -> Sheet:
    person = content.candidate
    exams = sorted(content.exams, key=lambda e: e.starts_at)
    return Sheet(
        title="准考证",
        subtitle=f"{content.sitting_name}高等教育自学考试",
        issuer=content.issuer,
        fields=(
            ("姓名", person.name),
            ("准考证号", person.ticket_number),
            ("身份证号", person.masked_id_number),
            ("报考专业", major_line(content.major)),
            ("生成日期", f"{local(issued_at):%Y年%m月%d日}"),
        ),
        photo=person.photo,
        photo_box=True,
        table=Table("考试科目与考场安排", EXAM_COLUMNS, tuple(exam_row(e) for e in exams)),
        notes_title="考生须知",
        notes=tuple(content.rules),
        fill_page=True,
        blank_rows=max(0, TICKET_ROWS - len(exams)),
    )


def results_sheet(content: ResultsContent, issued_at: datetime, *, title: str) -> Sheet:
    person = content.candidate
    fields = [
        ("姓名", person.name),
        ("准考证号", person.ticket_number),
        ("身份证号", person.masked_id_number),
    ]
    if content.major is not None:
        fields.append(("专业", major_line(content.major)))
    fields.append(("出具日期", f"{local(issued_at):%Y年%m月%d日}"))
    return Sheet(
        title=title,
        subtitle="高等教育自学考试",
        issuer=content.issuer,
        fields=tuple(fields),
        photo=person.photo,
        photo_box=person.photo is not None,
        table=Table("课程成绩", RESULT_COLUMNS, tuple(result_row(r) for r in content.results)),
    )


RESULTS_TITLES = {
    DocumentKind.COURSE_CERTIFICATE: "课程合格证明",
    DocumentKind.TRANSCRIPT: "成绩单",
}


def build_sheet(kind: DocumentKind, content: DocumentContent, issued_at: datetime) -> Sheet:
    if kind is DocumentKind.ADMISSION_TICKET and isinstance(content, AdmissionTicketContent):
        return admission_ticket(content, issued_at)
    if kind in RESULTS_TITLES and isinstance(content, ResultsContent):
        return results_sheet(content, issued_at, title=RESULTS_TITLES[kind])
    raise TypeError(f"no layout for {kind} with {type(content).__name__}")
