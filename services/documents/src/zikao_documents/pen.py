"""Text on a reportlab canvas in the embedded faces: measured, wrapped and drawn (`Pen`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.rl_accel import escapePDF, fp_str  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]

from zikao_documents import fonts
from zikao_documents.fonts import SERIF, Face

INK = colors.HexColor("#1a1a1a")


class Pen:
    """Text on a canvas in the embedded faces: measures, wraps and draws, switching face per
    character run where the chosen face lacks a glyph (`fonts.runs`)."""

    def __init__(self, canvas: Any) -> None:
        fonts.register()
        self.canvas = canvas

    @staticmethod
    def width(text: str, size: float, face: Face = SERIF) -> float:
        return fonts.width(text, size, face)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        face: Face = SERIF,
        *,
        align: str = "left",
        bold: bool = False,
        spacing: float = 0,
        color: Any = INK,
    ) -> None:
        """One line with its baseline at `y`; `align` says what `x` is: left, centre or right."""
        if not text:
            return
        width = self.width(text, size, face) + spacing * (len(text) - 1)
        if align == "centre":
            x -= width / 2
        elif align == "right":
            x -= width
        # Character spacing and render mode are graphics state that outlives the text (and
        # reportlab writes them only when they differ from its defaults): keep them inside.
        scoped = bool(spacing or bold)
        if scoped:
            self.canvas.saveState()
        if bold:  # the faces have one weight: fill and stroke the outline a little
            self.canvas.setStrokeColor(color)
            self.canvas.setLineWidth(size * 0.035)
        self.canvas._code.append(self._text_code(x, y, text, size, face, spacing, bold, color))
        if scoped:
            self.canvas.restoreState()

    def _text_code(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        face: Face,
        spacing: float,
        bold: bool,
        color: Any,
    ) -> str:
        """The page's operators for one line, as reportlab's text object writes them (the same
        bytes), without the object: a ticket draws some seventy lines, and building a
        `PDFTextObject` for each was a third of its drawing time."""
        document = self.canvas._doc
        code = [f"BT 1 0 0 1 {fp_str(x, y)} Tm {fp_str(color.red, color.green, color.blue)} rg"]
        if spacing:
            code.append(f"{fp_str(spacing)} Tc")
        if bold:
            code.append("2 Tr")
        font_size = f"{fp_str(size)} Tf {fp_str(size * 1.2)} TL"
        for run_face, run in fonts.runs(text, face):
            font = pdfmetrics.getFont(run_face.name)
            current = -1
            for subset, encoded in font.splitString(run, document):
                if subset != current:
                    code.append(f"{font.getSubsetInternalName(subset, document)} {font_size}")
                    current = subset
                code.append(f"({escapePDF(encoded)}) Tj")
        code.append("ET")
        return " ".join(code)

    def wrap(self, text: str, width: float, size: float, face: Face = SERIF) -> list[str]:
        """`text` in lines no wider than `width`: broken at its newlines, then between any two
        characters (Chinese breaks anywhere), keeping a punctuation mark off a line's start."""
        return list(wrap(text, width / size, face))


@lru_cache(maxsize=8192)  # labels, courses, venues and rules recur from ticket to ticket
def wrap(text: str, limit: float, face: Face) -> tuple[str, ...]:
    """`text` in lines of at most `limit` ems (see `Pen.wrap`)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for character in paragraph:
            step = fonts.advance(character, face)
            if line and used + step > limit and character not in NO_LINE_START:
                # Break after a space where the line has one ("…日 星期六").
                cut = next((i + 1 for i in range(len(line) - 1, 0, -1) if line[i] == " "), 0)
                cut = cut or len(line)
                lines.append("".join(line[:cut]).rstrip())
                line = line[cut:]
                used = sum(fonts.advance(c, face) for c in line)
            line.append(character)
            used += step
        lines.append("".join(line))
    return tuple(lines)


NO_LINE_START = "，。、；：？！）》」』”’,.;:?!)"


def leading(size: float) -> float:
    return size * 1.45
