"""Print plausible, stable village/community lists for the campaign file's [[townships]] tables.

Real per-township village lists were not available when the Anxi 2017 campaign file was written, so the
file carries generated names and codes (12-digit: township code + 001–099 for communities, 200+ for
villages, as the national division codes do). Run once; the output was pasted into the campaign file.
"""

from __future__ import annotations

import random
import sys

TOWNSHIPS = [
    ("350524100", "凤城镇", 16),
    ("350524101", "蓬莱镇", 24),
    ("350524102", "湖头镇", 39),
    ("350524103", "官桥镇", 22),
    ("350524104", "剑斗镇", 14),
    ("350524105", "城厢镇", 21),
    ("350524106", "金谷镇", 17),
    ("350524107", "龙门镇", 19),
    ("350524108", "虎邱镇", 19),
    ("350524109", "芦田镇", 11),
    ("350524110", "感德镇", 28),
    ("350524111", "魁斗镇", 13),
    ("350524112", "西坪镇", 26),
    ("350524200", "参内乡", 16),
    ("350524201", "白濑乡", 13),
    ("350524202", "湖上乡", 14),
    ("350524203", "尚卿乡", 18),
    ("350524204", "大坪乡", 15),
    ("350524205", "龙涓乡", 34),
    ("350524206", "长坑乡", 22),
    ("350524207", "蓝田乡", 12),
    ("350524208", "祥华乡", 25),
    ("350524209", "桃舟乡", 10),
    ("350524210", "福田乡", 12),
]
FIRST = "东西南北上下前后新美石溪山林洋坑岭田埔福龙凤金玉清竹茶桥湖洪蓬祥安兴仁和崇德永宝云长大顶"
SECOND = "溪山林洋坑岭田埔头厝美峰阳寨岩塘格庄园中星光华兴盛丰内尾盘格墩洲"
COMMUNITY = ["城东", "城西", "城南", "城北", "新安", "大同", "中山", "河滨", "龙湖", "凤山", "南街", "东街"]


def villages(code: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    towns_communities = 3 if code.endswith("100") else (1 if code[6] == "1" else 0)
    names: list[tuple[str, str]] = []
    used: set[str] = set()
    for i in range(towns_communities):
        name = COMMUNITY[(int(code[-3:]) + i) % len(COMMUNITY)] + "社区"
        used.add(name)
        names.append((f"{code}{i + 1:03d}", name))
    seq = 200
    while len(names) < count:
        name = rng.choice(FIRST) + rng.choice(SECOND)
        if name[0] == name[1] or name + "村" in used:
            continue
        used.add(name + "村")
        seq += 1
        names.append((f"{code}{seq:03d}", name + "村"))
    return names


def main() -> None:
    rng = random.Random(2017)
    total = 0
    out = sys.stdout
    for code, name, count in TOWNSHIPS:
        out.write(f'\n[[townships]]\ncode = "{code}"\nname = "{name}"\nvillages = [\n')
        for vcode, vname in villages(code, count, rng):
            out.write(f'  {{ code = "{vcode}", name = "{vname}" }},\n')
        out.write("]\n")
        total += count
    print(f"# {total} villages", file=sys.stderr)


if __name__ == "__main__":
    main()
