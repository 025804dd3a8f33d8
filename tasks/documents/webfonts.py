"""A page's own Chinese font: the glyphs it uses, cut from the Noto CJK fonts of the `mplfonts` package and
embedded as a data: URI, so a self-contained page reads the same on a machine without any Chinese font.

Pages name the fonts a county office has first (仿宋, 黑体, Microsoft YaHei …) and the embedded family last,
before the generic one: where those fonts exist, they are used; elsewhere, the embedded glyphs. A few hundred
characters come to about 100–150 KB.
"""

from __future__ import annotations

import base64
import io
import re
from importlib import resources
from pathlib import Path
from typing import Literal

from fontTools import subset
from fontTools.ttLib import TTFont

Kind = Literal["sans", "serif"]
FAMILIES: dict[Kind, str] = {"sans": "canbao-cjk-sans", "serif": "canbao-cjk-serif"}
_FILES: dict[Kind, str] = {"sans": "NotoSansCJKsc-Regular.otf", "serif": "NotoSerifCJKsc-Regular.otf"}
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
_FACE_MARK = "<!-- embedded fonts -->"


def font_file(kind: Kind) -> Path:
    path = Path(str(resources.files("mplfonts").joinpath("fonts", _FILES[kind])))
    if not path.is_file():  # pragma: no cover - a broken install
        raise FileNotFoundError(f"找不到中文字体文件：{path}")
    return path


def subset_font(kind: Kind, text: str) -> bytes:
    """The font with only the glyphs `text` needs (OpenType bytes)."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.hinting = False
    options.notdef_outline = True
    font = TTFont(str(font_file(kind)), lazy=True, recalcTimestamp=False)  # the same page, the same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_faces(text: str, kinds: tuple[Kind, ...]) -> str:
    """@font-face rules for `kinds`, each holding the glyphs of `text` that are not ASCII."""
    wanted = "".join(c for c in set(text) if ord(c) > 0x7F) or "中"
    rules = []
    for kind in kinds:
        data = base64.b64encode(subset_font(kind, wanted)).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{FAMILIES[kind]}'; "
            f"src: url(data:font/otf;base64,{data}) format('opentype'); }}"
        )
    return "\n".join(rules)


def embed_fonts(html: str, kinds: tuple[Kind, ...]) -> str:
    """`html` with its glyphs embedded in a <style> at the end of <head> (the page names the families)."""
    text = _DATA_URI.sub("", html)
    style = f"{_FACE_MARK}\n<style>\n{font_faces(text, kinds)}\n</style>\n"
    head_end = html.find("</head>")
    if head_end < 0:
        return style + html
    return html[:head_end] + style + html[head_end:]
