"""The Chinese fonts the PDFs embed: Noto Serif SC (宋体 style, the text) and Noto Sans SC (黑体
style, titles and labels), both SIL Open Font License 1.1, from the `pylopdf-fonts-zh-cn`
package that the project's own install brings. Nothing is read from the machine's fonts.

The package ships them as OpenType with CFF outlines, which reportlab cannot embed; the first
use converts each to TrueType outlines (quadratic curves within one font unit, fontTools'
cu2qu) and keeps the result in `font_dir()` (`python -m zikao_documents.fonts` does it ahead,
as `make install` and the image build do). reportlab then embeds a subset of the glyphs a
document uses; the parsed font is kept per process (`register`).

Both fonts cover every character of 通用规范汉字表 (`standard_characters`) and all of CJK
Extension A (where rare name characters such as 㛃 live); `runs` splits a text into runs of one
face and falls back to the other face for any character the first lacks.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pylopdf_fonts_zh_cn
from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont as PdfTTFont  # type: ignore[import-untyped]

logger = logging.getLogger("zikao.documents.fonts")

CONVERTER_VERSION = "1"  # part of the converted file's name: a change rebuilds it
MAX_ERROR = 1.0  # font units (of 1000 per em) between a cubic curve and its quadratic ones
# Tables a PDF never reads from an embedded font, left out of the converted file.
DROPPED_TABLES = ("CFF ", "VORG", "GSUB", "GPOS", "BASE", "vhea", "vmtx", "DSIG")
FONT_DIR_VARIABLE = "ZIKAO_FONT_DIR"
SUBSETS_KEPT = 64  # font programs of subsets made before, per face (30-60 KB each)
SUBSET_SIZE = 256  # codes of one reportlab subset


@dataclass(frozen=True, eq=False)  # two faces only: hashed by identity, cheaply, in caches
class Face:
    name: str  # as registered with reportlab
    source: Path  # the packaged OpenType (CFF) file


SERIF = Face("ZikaoSerifSC", Path(pylopdf_fonts_zh_cn.serif_path()))
SANS = Face("ZikaoSansSC", Path(pylopdf_fonts_zh_cn.sans_path()))
FACES = (SERIF, SANS)


def font_dirs() -> tuple[Path, ...]:
    """Where converted fonts are kept, in the order they are looked for: `ZIKAO_FONT_DIR` alone
    when set; else beside the installed packages (the environment's `share/zikao-fonts`, where
    the install puts them), then the user's cache (for an environment the user cannot write)."""
    configured = os.environ.get(FONT_DIR_VARIABLE)
    if configured:
        return (Path(configured),)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return (Path(sys.prefix) / "share" / "zikao-fonts", cache_home / "zikao-fonts")


def _writable(directory: Path) -> bool:
    existing = next((p for p in (directory, *directory.parents) if p.exists()), directory)
    return os.access(existing, os.W_OK)


def _source_digest(source: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def truetype_path(face: Face) -> Path:
    """The face as TrueType, converted on first use (once per machine, under a file lock)."""
    name = f"{face.source.stem}-{_source_digest(face.source)}-v{CONVERTER_VERSION}.ttf"
    for directory in font_dirs():
        if (directory / name).exists():
            return directory / name
    directories = font_dirs()
    directory = next((d for d in directories if _writable(d)), directories[-1])
    target = directory / name
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be converting it right now
        if not target.exists():
            logger.info("converting font", extra={"font": face.source.name})
            with convert_to_truetype(face.source) as font:
                _write_atomically(target, font)
    return target


def _write_atomically(target: Path, font: TTFont) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            font.save(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # built by root in an image, read by the service's user
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def convert_to_truetype(source: Path) -> TTFont:
    """An OpenType font with CFF outlines as one with TrueType (`glyf`) outlines, same glyph
    order, metrics and character map."""
    font = TTFont(source)
    glyphs = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    for tag in DROPPED_TABLES:
        if tag in font:
            del font[tag]
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 3.0, [], {}
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    return font


def _utf16_hex(code: int) -> str:
    return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with each character as UTF-16BE as PDF requires: reportlab
    writes a character beyond the BMP (𬌗 U+2C317, in 通用规范汉字表) as `<2C317>`, so copying
    or searching the text lost it though the glyph was drawn. Kept for subsets made before."""
    return _kept_cmap(fontname, tuple(subset))


@lru_cache(maxsize=SUBSETS_KEPT)
def _kept_cmap(fontname: str, subset: tuple[int, ...]) -> str:
    text: str = _reportlab_to_unicode_cmap(fontname, list(subset))
    for index, code in enumerate(subset):
        if code > 0xFFFF:
            text = text.replace(
                f"<{index:02X}> <{code:04X}>", f"<{index:02X}> <{_utf16_hex(code)}>"
            )
    return text


_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap


class KeptWidths(pdfdoc.PDFArray):  # type: ignore[misc]
    """A subset's glyph widths (up to 256 numbers), formatted once per distinct subset: with
    the first subset the same in every ticket (`reserve`), formatting them anew was the largest
    part of writing a ticket's file."""

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:  # noqa: N803 (reportlab's)
        return _formatted_widths(tuple(self.sequence))


@lru_cache(maxsize=SUBSETS_KEPT)
def _formatted_widths(widths: tuple[float, ...]) -> bytes:
    formatted: bytes = pdfdoc.PDFArray(widths).format(None)  # plain numbers need no document
    return formatted


class SubsetFont(PdfTTFont):  # type: ignore[misc]
    """reportlab's TrueType font, its subsets' widths written by `KeptWidths`."""

    def addObjects(self, doc: Any) -> None:  # noqa: N802 (reportlab's name)
        subsets = len(self._assignState(doc).subsets)
        names = [self.getSubsetInternalName(n, doc)[1:] for n in range(subsets)]
        super().addObjects(doc)
        written = doc.idToObject[pdfdoc.BasicFonts].dict
        for name in names:
            written[name].Widths = KeptWidths(written[name].Widths.sequence)


@cache
def register() -> tuple[str, ...]:
    """Registers both faces with reportlab, once per process (parsing a 10 MB font takes a
    moment; each document then only subsets it). Returns their names."""
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    for face in FACES:
        font = SubsetFont(face.name, str(truetype_path(face)))
        # reportlab's subsetter copies a table out of the font file each time it reads one:
        # the 10 MB `glyf` table once per subset of every document. Tables never change, so
        # each is copied once per process instead.
        font.face.get_table = cache(font.face.get_table)
        font.face.makeSubset = _kept_subsets(font.face.makeSubset)
        pdfmetrics.registerFont(font)
    return tuple(face.name for face in FACES)


def _kept_subsets(make: Callable[[list[int]], bytes]) -> Callable[[list[int]], bytes]:
    """reportlab builds each subset's font program anew for every document; one made before
    (the first subset of every document of a layout, see `reserve`) is kept instead."""

    @lru_cache(maxsize=SUBSETS_KEPT)
    def kept(subset: tuple[int, ...]) -> bytes:
        return make(list(subset))

    return lambda subset: kept(tuple(subset))


def reserve(document: Any, face: Face, characters: str) -> None:
    """Gives `characters` the face's first codes in a PDF being made (reportlab's `PDFDocument`)
    and starts every other character in a subset after theirs. reportlab numbers characters in
    the order a document first draws them and embeds them 256 to a subset: reserving the
    characters a layout always draws (labels, headings, rules) makes its first subset the
    same in each of its documents, so its font program is made once per process."""
    font = pdfmetrics.getFont(face.name)
    font.splitString(characters, document)
    state = font.state[document]
    state.nextCode = -(-state.nextCode // SUBSET_SIZE) * SUBSET_SIZE


@cache
def _covered(name: str) -> frozenset[int]:
    register()
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


def covers(face: Face, character: str) -> bool:
    return ord(character) in _covered(face.name)


def missing(text: str, face: Face) -> set[str]:
    """The characters of `text` that `face` has no glyph for."""
    covered = _covered(face.name)
    return {c for c in text if ord(c) not in covered and not c.isspace()}


@lru_cache(maxsize=8192)
def runs(text: str, face: Face) -> tuple[tuple[Face, str], ...]:
    """`text` in runs of one face: `face` where it has the glyph, the other face where only
    that one has it (a character neither has stays with `face`, drawn as its empty glyph)."""
    found: list[tuple[Face, str]] = []
    current, start = face, 0
    for index, character in enumerate(text):
        chosen = _drawn_by(face, character)
        if chosen != current:
            if index > start:
                found.append((current, text[start:index]))
            current, start = chosen, index
    if len(text) > start:
        found.append((current, text[start:]))
    return tuple(found)


@cache
def _chosen(face: Face) -> dict[str, Face]:
    return {}


def _drawn_by(face: Face, character: str) -> Face:
    chosen = _chosen(face)
    drawn = chosen.get(character)
    if drawn is None:
        drawn = face
        if ord(character) not in _covered(face.name):
            others = (o for o in FACES if o != face and ord(character) in _covered(o.name))
            drawn = next(others, face)
        chosen[character] = drawn
    return drawn


@cache
def _advances(face: Face) -> dict[str, float]:
    return {}


def advance(character: str, face: Face) -> float:
    """How far `character` moves the pen, in ems, in the face that draws it."""
    advances = _advances(face)
    width = advances.get(character)
    if width is None:
        drawn = pdfmetrics.getFont(_drawn_by(face, character).name).face
        width = drawn.charWidths.get(ord(character), drawn.defaultWidth) / 1000
        advances[character] = width
    return width


@lru_cache(maxsize=8192)
def _ems(text: str, face: Face) -> float:
    return sum(advance(c, face) for c in text)


def width(text: str, size: float, face: Face) -> float:
    """The width of `text` at `size` points."""
    return _ems(text, face) * size


def standard_characters() -> str:
    """The 8,105 characters of 通用规范汉字表, in the table's order."""
    data = resources.files(__package__).joinpath("tongyong_guifan_hanzi.txt").read_text("utf-8")
    return "".join(line.strip() for line in data.splitlines() if not line.startswith("#"))


def main() -> None:
    """`python -m zikao_documents.fonts`: converts the fonts now (install and image build)."""
    for face in FACES:
        sys.stdout.write(f"{truetype_path(face)}\n")  # the converted file, for the install's log
