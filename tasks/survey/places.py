"""Which village a coordinator means when naming one for a worker's link (`canbao web token`)."""

from __future__ import annotations

from models.campaign.spec import Campaign


class UnknownVillage(ValueError):
    """No village, or more than one, answers to the text; the message says which and how to name it."""


def resolve_village(campaign: Campaign, text: str) -> str:
    """A village's 12-digit code from its code, its name if no other village has it, or 乡镇名/村名."""
    wanted = text.strip().replace("／", "/")
    places = [(t, v) for t in campaign.townships for v in t.villages]
    if wanted.isdigit():
        if any(v.code == wanted for _t, v in places):
            return wanted
        raise UnknownVillage(f"没有代码为 {wanted} 的村（社区）（村代码为12位数字）")
    township, _, village = wanted.rpartition("/")
    matches = [
        (t, v)
        for t, v in places
        if v.name == (village if township else wanted) and (not township or t.name == township)
    ]
    if not matches and not township:
        matches = [(t, v) for t, v in places if t.name + v.name == wanted]  # 凤城镇新安社区
    if len(matches) == 1:
        return matches[0][1].code
    if not matches:
        raise UnknownVillage(f"找不到村（社区）：{text}（可用12位村代码、村名或“乡镇名/村名”）")
    listed = "、".join(f"{t.name}{v.name}（{v.code}）" for t, v in matches)
    raise UnknownVillage(f"有多个村（社区）叫“{text}”：{listed}。请用村代码或“乡镇名/村名”")
