"""Self-contained pages carry the glyphs they use, so they read the same where no Chinese font is installed."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

from fontTools.ttLib import TTFont

from tasks.documents.official import OfficialDocument, Section, to_html
from tasks.documents.webfonts import FAMILIES, embed_fonts

FACE = re.compile(r"font-family: '([\w-]+)'; src: url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)")


def embedded(html: str) -> dict[str, set[int]]:
    """Family → the code points its embedded font maps."""
    return {
        family: set(TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()) for family, data in FACE.findall(html)
    }


def test_a_page_embeds_exactly_what_it_needs() -> None:
    page = "<html><head><title>督查报告</title></head><body><p>凤城镇 100.0%</p></body></html>"
    fonts = embedded(embed_fonts(page, ("sans",)))
    assert set(fonts) == {FAMILIES["sans"]}
    assert {ord(c) for c in "督查报告凤城镇"} <= fonts[FAMILIES["sans"]]
    assert ord("湖") not in fonts[FAMILIES["sans"]]  # not on the page: not embedded


def test_a_notice_page_names_the_embedded_fonts_after_the_standards() -> None:
    doc = OfficialDocument(issuer="安溪县全民参保登记工作领导小组办公室", doc_number="安参保办〔2017〕3号",
                           title="关于全民参保登记工作进展情况的通报", recipients="各乡镇人民政府：",
                           sections=[Section("总体情况", ["全县进展顺利。"])],
                           signed_by="安溪县全民参保登记工作领导小组办公室", signed_on=date(2017, 6, 30))  # fmt: skip
    html = to_html(doc)
    fonts = embedded(html)
    assert set(fonts) == {FAMILIES["serif"], FAMILIES["sans"]}
    assert {ord(c) for c in "关于全民参保登记工作进展情况的通报安参保办"} <= fonts[FAMILIES["serif"]]
    body = re.search(r"body \{[^}]*font-family: ([^;]+);", html)
    assert body is not None
    stack = [name.strip(" '") for name in body.group(1).split(",")]
    assert stack[0] == "FangSong" and stack[-2:] == [FAMILIES["serif"], "serif"]
    assert "http://" not in html and "https://" not in html
