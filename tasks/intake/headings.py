"""Which field a column heading names, as departments really head their columns.

Every heading and every synonym is first brought to one form (`heading_key`): NFKC (full-width letters, digits,
brackets and the ideographic space become their half-width forms), lower case, no whitespace or format
characters, every kind of bracket written "( )", a column number in front ("1、", "(2)") and required-markers
("*", "※", "★", …) and colons or full stops at either end removed.

A heading then names a field at one of these levels, the lower the surer:

0. it is one of the field's synonyms (or the field's own key);
1. it is a synonym once its notes are removed: bracketed text anywhere ("身份证号码(必填)", "姓名(户主)",
   "证件号码【18位】") and words that only say how to fill the cell, before or after it ("必填", "选填",
   "18位": "身份证号码18位", "18位身份证号");
2. it is a synonym with a word saying whose value it is in front ("参保人", "职工", "人员", "本人", "所在", …:
   "职工身份证号码", "人员姓名") or a word that names the same thing behind ("名称", "全称", "号码":
   "工作单位名称", "联系电话号码");
3. it ends with a synonym of at least three characters after at most six other characters
   ("参保职工身份证号"), provided those do not name another person or an organisation (户主, 监护人, 配偶,
   父亲, 母亲, 联系人, 经办人, 法定代表人, 单位, 企业, …): "户主身份证号" names nobody's field, and
   "单位电话" is not the person's phone.

A heading made of parts joined by "/" or "、" names a field when every part names the same one ("联系电话/手机").
A heading that only contains a synonym with another word behind it names nothing: "单位编号" is not "单位名称",
"用人单位地址" is not "用人单位".

Each column gets the field it names at its lowest level (a longer synonym first on a tie); each field gets, of
the columns naming it, the one at the lowest level, and of those the first. So "户主身份证号" is never taken,
and "参保人身份证号" is taken only when no column is headed plainly "身份证号".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["HeadingMatcher", "heading_key"]

_BRACKETS = str.maketrans(
    {"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")", "〖": "(", "〗": ")",
     "<": "(", ">": ")", "《": "(", "》": ")", "「": "(", "」": ")", "『": "(", "』": ")"}
)  # fmt: skip
_MARKERS = "*※★☆▲△●◆■#"
_EDGE_PUNCTUATION = ":;,.。、"
_NUMBERED = re.compile(r"^(?:\d{1,2}[、.)]|\(\d{1,2}\))(?=\D)")
_BRACKETED = re.compile(r"\([^()]*\)")
# Words that only say how a cell is filled in: a note, not part of what the column holds.
_FILL_NOTE = r"(?:非必填|必填项?|选填项?|可选|可不填|必须填写|请填写|\d+位(?:数字)?)"
_LEADING_NOTE = re.compile(rf"^{_FILL_NOTE}+")
_TRAILING_NOTE = re.compile(rf"{_FILL_NOTE}+$")
# Words in front of a synonym that say the value is the listed person's own (or where it belongs).
_OWN = re.compile(
    r"^(?:参保|参保人|参保人员|参保职工|参合|参合人|被保险人|职工|员工|劳动者|人员|个人|本人|居民|公民|学生|"
    r"毕业生|死者|逝者|亡者|保障对象|救助对象|优抚对象|对象|残疾人|户籍人员|申报人|登记人|所在|所属|现)$"
)
# Words behind a synonym that name the same thing.
_SAME_BEHIND = ("名称", "全称", "号码")
# Words in front of a synonym that make it another person's or an organisation's value.
_SOMEONE_ELSE = re.compile(
    r"户主|监护人|配偶|父亲|母亲|父母|子女|家属|亲属|联系人|紧急|经办|代办|代理|法人|法定代表|负责人|填表|审核|"
    r"单位|企业|公司|机构|银行|开户|领取人|受益人|介绍人|担保人"
)
_LOOSE_MIN_SYNONYM = 3  # characters: a shorter synonym (姓名, 电话, 住址) is too common inside other headings
_LOOSE_MAX_PREFIX = 6
_PARTS = re.compile(r"[/、]|或")


def heading_key(value: str) -> str:
    """A heading (or a synonym) in the one form headings are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", value).casefold()
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
    text = text.translate(_BRACKETS)
    previous = None
    while previous != text:
        previous = text
        text = _NUMBERED.sub("", text).strip(_MARKERS + _EDGE_PUNCTUATION)
    return text


_OUTER_NOTE = re.compile(r"^\([^()]*\)|\([^()]*\)$")


def _note_free_forms(key: str) -> list[str]:
    """The heading without its notes, most of the heading kept first: bracketed notes removed one at a time
    from either end ("村(社区)(必填)" -> "村(社区)"), then every bracketed text; fill-in notes and markers
    removed from each. The heading itself is not among them."""
    forms: list[str] = []
    text = key
    while (shorter := _OUTER_NOTE.sub("", text, count=1)) != text:
        text = shorter
        forms.append(text)
    text = key
    while (shorter := _BRACKETED.sub("", text)) != text:
        text = shorter
    forms.append(text.replace("(", "").replace(")", ""))
    forms = [key, *forms]
    return [f for f in dict.fromkeys(_without_fill_notes(f) for f in forms) if f and f != key]


def _without_fill_notes(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING_NOTE.sub("", _LEADING_NOTE.sub("", text)).strip(_MARKERS + _EDGE_PUNCTUATION)
    return text


@dataclass(frozen=True, order=True)
class Match:
    """How surely a heading names a field: lower level first, then the longer synonym."""

    level: int
    shorter: int  # minus the synonym's length
    field: str


class HeadingMatcher:
    """The fields of one table layout (field -> synonyms) and the headings that name them."""

    def __init__(self, columns: Mapping[str, Sequence[str]]) -> None:
        self._exact: dict[str, str] = {}
        self._synonyms: list[tuple[str, str]] = []  # (key, field), longest first
        for name, synonyms in columns.items():
            for synonym in [*synonyms, name]:
                key = heading_key(synonym)
                if key and key not in self._exact:
                    self._exact[key] = name
                    self._synonyms.append((key, name))
        self._synonyms.sort(key=lambda pair: -len(pair[0]))

    def match(self, heading: str) -> Match | None:
        """The field a heading names and how surely, or None."""
        key = heading_key(heading)
        if not key:
            return None
        found = self._match_key(key)
        if found is not None or not _PARTS.search(key):
            return found
        parts = [self._match_key(heading_key(p)) for p in _PARTS.split(key) if heading_key(p)]
        if len(parts) < 2 or any(p is None for p in parts) or len({p.field for p in parts if p}) != 1:
            return None
        return max(p for p in parts if p is not None)

    def field_of(self, heading: str, *, loosest: int = 1) -> str | None:
        """The field a heading names at `loosest` or surer (by default: a synonym, notes aside), or None."""
        found = self.match(heading)
        return found.field if found is not None and found.level <= loosest else None

    def mapping(self, headings: Sequence[str]) -> dict[str, int]:
        """Field -> column index: each column its surest field, each field its surest column (the first on a tie)."""
        best: dict[str, tuple[Match, int]] = {}
        for j, heading in enumerate(headings):
            found = self.match(heading)
            if found is None:
                continue
            held = best.get(found.field)
            if held is None or found.level < held[0].level:
                best[found.field] = (found, j)
        return {name: j for name, (_, j) in sorted(best.items(), key=lambda item: item[1][1])}

    def _match_key(self, key: str) -> Match | None:
        exact = self._exact.get(key)
        if exact is not None:
            return Match(0, -len(key), exact)
        bare = _note_free_forms(key)
        for form in bare:
            exact = self._exact.get(form)
            if exact is not None:
                return Match(1, -len(form), exact)
        found: list[Match] = []
        for synonym, name in self._synonyms:
            for text in [key, *bare]:  # "所在村(社区)" keeps the brackets its synonym has
                level = _level_around(text, synonym)
                if level is not None:
                    found.append(Match(level, -len(synonym), name))
        return min(found) if found else None


def _level_around(text: str, synonym: str) -> int | None:
    """The level at which `text` is `synonym` with words around it (2 or 3), or None."""
    if text.startswith(synonym) and text[len(synonym) :] in _SAME_BEHIND:
        return 2
    if not text.endswith(synonym) or text == synonym:
        return None
    before = text[: -len(synonym)]
    if _OWN.match(before):
        return 2
    if len(synonym) >= _LOOSE_MIN_SYNONYM and len(before) <= _LOOSE_MAX_PREFIX and not _SOMEONE_ELSE.search(before):
        return 3
    return None
