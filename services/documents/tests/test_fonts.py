"""The embedded Chinese fonts: what they cover, that a rendered PDF carries a glyph (not the
empty box) for every character it shows, and the fallback between the two faces."""

import io
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fontTools import subset  # type: ignore[import-untyped]
from fontTools.pens.boundsPen import BoundsPen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from zikao_documents import fonts
from zikao_documents.fonts import FACES, SANS, SERIF
from zikao_documents.models import DocumentKind
from zikao_documents.render import render_pdf
from zikao_documents.testing import ticket_content

# Characters people are named with that are rare in print: 堃 (kūn), 喆 (zhé), 昇 (shēng),
# 㛃 (jié, U+36C3, CJK Extension A), 䶮 (yǎn, Ext-A), 𬌗 and 𬱖 (Extension B+, in the table).
RARE_NAME_CHARACTERS = "堃喆昇㛃䶮玥珺琍婳璟昳燚淼犇鑫赟龑𬌗𬱖"
EXTENSION_A = range(0x3400, 0x4DB6)  # CJK Extension A as Unicode 3.0 encoded it (6,582)


def test_the_standard_table_is_the_8105_characters() -> None:
    table = fonts.standard_characters()
    assert len(table) == 8105
    assert len(set(table)) == 8105
    assert table[:3] == "一乙二"  # 0001-0003
    assert table[3500] == "乂"  # 3501, the first of level 2
    assert table[6500] == "亍"  # 6501, the first of level 3
    assert all(unicodedata.name(c).startswith("CJK UNIFIED IDEOGRAPH") for c in table)


@pytest.mark.parametrize("face", FACES, ids=lambda f: f.name)
def test_each_face_covers_the_table_and_rare_name_characters(face: fonts.Face) -> None:
    characters = fonts.standard_characters() + RARE_NAME_CHARACTERS
    assert fonts.missing(characters, face) == set()
    extension_a = "".join(chr(c) for c in EXTENSION_A)
    assert fonts.missing(extension_a, face) == set()


def test_the_converted_fonts_are_truetype_with_the_source_character_map() -> None:
    for face in FACES:
        with TTFont(fonts.truetype_path(face)) as converted, TTFont(face.source) as source:
            assert "glyf" in converted
            assert "CFF " not in converted
            assert _glyph_ids(converted) == _glyph_ids(source)
            assert converted["maxp"].numGlyphs == source["maxp"].numGlyphs


def _glyph_ids(font: TTFont) -> dict[int, int]:
    """Character → glyph index (the converted font's glyph names differ: it keeps none)."""
    return {c: font.getGlyphID(name) for c, name in font.getBestCmap().items()}


def test_a_run_falls_back_to_the_face_that_has_the_glyph() -> None:
    # U+4DB6..U+4DBF joined Extension A in Unicode 13: the serif face has them, the sans not.
    late = next(chr(c) for c in range(0x4DB6, 0x4DC0) if not fonts.covers(SANS, chr(c)))
    assert fonts.covers(SERIF, late)
    assert fonts.runs(f"张{late}明", SANS) == ((SANS, "张"), (SERIF, late), (SANS, "明"))
    assert fonts.runs("张明", SERIF) == ((SERIF, "张明"),)
    assert fonts.runs("", SERIF) == ()


def _embedded_fonts(pdf: bytes) -> list[dict[str, Any]]:
    """Each font of each page: its name, the embedded program and its code → text map."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            program = font["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            to_unicode = font["/ToUnicode"].get_object().get_data().decode()
            found.append(
                {
                    "name": str(font["/BaseFont"]),
                    "program": TTFont(io.BytesIO(program)),
                    "codes": _bfchars(to_unicode),
                }
            )
    return found


def _bfchars(cmap: str) -> dict[int, str]:
    codes = {}
    for block in cmap.split("beginbfchar")[1:]:
        for line in block.split("endbfchar")[0].strip().splitlines():
            code, text = line.split()
            utf16 = bytes.fromhex(text.strip("<>"))
            codes[int(code.strip("<>"), 16)] = utf16.decode("utf-16-be", "surrogatepass")
    return codes


def _outline(font: TTFont, glyph: str) -> tuple[Any, ...]:
    data = font["glyf"][glyph]
    if data.numberOfContours == 0:
        return ()
    coordinates, _, flags = data.getCoordinates(font["glyf"])
    return (tuple(coordinates), tuple(flags))


def test_names_with_rare_characters_are_drawn_with_real_glyphs() -> None:
    names = ["欧阳㛃堃", "李喆昇", "王䶮", "张𬌗璟"]
    drawn: set[str] = set()
    for name in names:
        pdf = render_pdf(
            DocumentKind.ADMISSION_TICKET,
            ticket_content(name=name),
            verification_code="ABCD2345WXYZ",
            issued_at=datetime(2026, 10, 17, 2, 0, tzinfo=UTC),
        )
        text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert name in text
        embedded = _embedded_fonts(pdf)
        assert embedded  # every font of the page is embedded (no /FontFile2 raises above)
        for font in embedded:
            assert font["name"].split("+", 1)[1] in ("NotoSerifSC-Regular", "NotoSansSC-Regular")
            program = font["program"]
            cmap = program["cmap"].getcmap(1, 0).cmap
            empty_box = _outline(program, ".notdef")
            for code, character in font["codes"].items():
                # Code 0 is the empty glyph; reportlab keeps codes 32-127 for ASCII, used or not.
                if code == 0 or character.isspace() or unicodedata.category(character) == "Cc":
                    continue
                outline = _outline(program, cmap[code])
                assert outline, f"no outline for U+{ord(character):04X}"
                assert outline != empty_box, f"U+{ord(character):04X} drawn as the empty box"
                drawn.add(character)
    assert set("".join(names)) <= drawn


SAMPLE = "准考证㛃堃Aa1"


@pytest.fixture(scope="module")
def small_otf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged sans face cut down to a few characters, still CFF-based OpenType."""
    with TTFont(SANS.source) as font:
        subsetter = subset.Subsetter(subset.Options())
        subsetter.populate(text=SAMPLE)
        subsetter.subset(font)
        path = tmp_path_factory.mktemp("fonts") / "SmallSans.otf"
        font.save(path)
    return path


def _bounds(font: TTFont, character: str) -> tuple[float, float, float, float]:
    glyphs = font.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[font.getBestCmap()[ord(character)]].draw(pen)
    assert pen.bounds is not None
    return tuple(pen.bounds)


def test_conversion_keeps_every_outline_within_a_unit(small_otf: Path) -> None:
    with TTFont(small_otf) as source, fonts.convert_to_truetype(small_otf) as converted:
        assert "CFF " in source
        assert "glyf" in converted
        assert "CFF " not in converted
        for character in SAMPLE:
            before, after = _bounds(source, character), _bounds(converted, character)
            assert all(abs(a - b) <= 1.0 for a, b in zip(before, after, strict=True)), character
            name = converted.getBestCmap()[ord(character)]
            assert converted["hmtx"][name] == source["hmtx"][source.getBestCmap()[ord(character)]]


def test_a_face_is_converted_once_and_then_found(
    small_otf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fonts.FONT_DIR_VARIABLE, str(tmp_path))
    face = fonts.Face("SmallSans", small_otf)
    converted = fonts.truetype_path(face)
    assert converted.parent == tmp_path
    assert converted.stat().st_mode & 0o777 == 0o644  # readable by a service's own user
    written = converted.stat().st_mtime_ns
    assert fonts.truetype_path(face) == converted
    assert converted.stat().st_mtime_ns == written  # found, not converted again
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
