"""Charts for the supervisors' report, drawn with matplotlib's Agg canvas in a CJK font. Pure: data in, figures
and PNG bytes out.

No CJK font need be installed on the machine: the font file comes with the `mplfonts` wheel and is registered
with matplotlib's font manager by path (mplfonts' own set-up is not used: it writes into matplotlib's config).
Without it every Chinese label would be drawn as empty boxes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager

FONT_FILE = "NotoSansCJKsc-Regular.otf"
DPI = 100


def font_path() -> Path:
    """The CJK font file shipped inside the mplfonts package."""
    path = Path(str(resources.files("mplfonts").joinpath("fonts", FONT_FILE)))
    if not path.is_file():  # pragma: no cover - a broken install
        raise FileNotFoundError(f"找不到中文字体文件：{path}")
    return path


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the CJK font and make it matplotlib's sans-serif default; returns its family name."""
    path = font_path()
    fontManager.addfont(str(path))
    family = FontProperties(fname=str(path)).get_name()  # "Noto Sans CJK SC"
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the font has no U+2212 minus sign
    return family


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: no pyplot, no global figure registry, safe in worker threads."""
    use_cjk_font()
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def progress_chart(
    rates: pd.DataFrame,
    expected: pd.Series,
    names: dict[str, str],
    start: date,
    deadline: date,
    columns: int = 4,
) -> Figure:
    """Small multiples, one per township: the cumulative completion rate per day (`rates`: index days, one column
    per township code), the expected linear rate (`expected`: index days) and the deadline."""
    use_cjk_font()
    codes = list(names)
    rows = max(1, -(-len(codes) // columns))
    figure = new_figure(columns * 3.6, rows * 2.4 + 0.8)
    axes = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    span = max((deadline - start).days, 1)
    ticks = sorted({0, span // 2, span})
    expected_x = [(d - start).days for d in expected.index]
    for k, ax in enumerate(axes.flat):
        if k >= len(codes):
            ax.set_visible(False)
            continue
        code = codes[k]
        ax.plot(expected_x, expected.to_numpy() * 100, color="#999999", linestyle="--", linewidth=1, label="应完成")
        latest = 0.0
        if code in rates.columns and len(rates):
            x = [(d - start).days for d in rates.index]
            values = rates[code].to_numpy() * 100
            ax.plot(x, values, color="#c0392b", linewidth=1.6, label="实际完成")
            latest = float(values[-1])
        ax.axvline(span, color="#2c3e50", linewidth=1, linestyle=":")
        ax.set_title(f"{names[code]}  {latest:.1f}%", fontsize=10)
        ax.set_ylim(0, 105)
        ax.set_xlim(0, span + 1)
        ax.set_xticks(ticks, [_md(start + timedelta(days=t)) for t in ticks], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper left", fontsize=9, ncols=2)
    figure.suptitle(f"各乡镇入户调查累计完成率（%），虚线为应完成进度，点线为截止日{_md(deadline)}", fontsize=13)
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    return figure


def score_chart(names: Sequence[str], scores: Sequence[float], title: str) -> Figure:
    """Horizontal bars, first name on top."""
    height = max(3.0, 0.32 * len(names) + 1.2)
    figure = new_figure(8, height)
    ax = figure.subplots()
    y = np.arange(len(names))
    ax.barh(y, scores, color="#2e86c1")
    ax.set_yticks(y, list(names), fontsize=9)
    ax.invert_yaxis()
    for position, value in zip(y, scores, strict=True):
        ax.text(float(value), float(position), f" {value:.2f}", va="center", fontsize=8)
    ax.set_xlabel("得分")
    ax.set_title(title)
    ax.set_xlim(0, max([*scores, 1.0]) * 1.12)
    ax.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def heatmap_chart(frame: pd.DataFrame, title: str) -> Figure:
    """Counts as a heatmap: rows and columns labelled by the frame's index and columns, each cell annotated."""
    figure = new_figure(max(6.0, 1.3 * len(frame.columns) + 2.5), max(3.0, 0.32 * len(frame) + 1.5))
    ax = figure.subplots()
    values = frame.to_numpy(dtype=float) if len(frame) else np.zeros((0, len(frame.columns)))
    image = ax.imshow(values, aspect="auto", cmap="OrRd", vmin=0)
    ax.set_xticks(np.arange(len(frame.columns)), [str(c) for c in frame.columns], fontsize=9)
    ax.set_yticks(np.arange(len(frame)), [str(i) for i in frame.index], fontsize=9)
    top = values.max() if values.size else 0.0
    for (r, c), value in np.ndenumerate(values):
        ax.text(c, r, f"{int(value):,}", ha="center", va="center", fontsize=7,
                color="white" if top and value > top * 0.6 else "black")  # fmt: skip
    figure.colorbar(image, ax=ax, label="人数")
    ax.set_title(title)
    figure.tight_layout()
    return figure


def curve_chart(rates: pd.Series, expected: pd.Series, start: date, deadline: date, title: str) -> Figure:
    """One completion curve: the cumulative rate per day (`rates`, index days), the expected rate (序时进度) and the
    deadline, for a console page."""
    figure = new_figure(7.2, 3.2)
    ax = figure.subplots()
    span = max((deadline - start).days, 1)
    ax.plot([(d - start).days for d in expected.index], expected.to_numpy() * 100, color="#999999",
            linestyle="--", linewidth=1, label="序时进度")  # fmt: skip
    if len(rates):
        ax.plot([(d - start).days for d in rates.index], rates.to_numpy() * 100, color="#c0392b", linewidth=1.8,
                label="累计完成率")  # fmt: skip
    ax.axvline(span, color="#2c3e50", linewidth=1, linestyle=":", label=f"截止日{_md(deadline)}")
    ticks = sorted({0, span // 4, span // 2, 3 * span // 4, span})
    ax.set_xticks(ticks, [_md(start + timedelta(days=t)) for t in ticks], fontsize=9)
    ax.set_ylim(0, 105)
    ax.set_xlim(0, span + 1)
    ax.set_ylabel("%")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    figure.tight_layout()
    return figure


def svg_markup(figure: Figure) -> str:
    """The figure as an `<svg>` element to put inside a page: text drawn as paths (no font needed where it is read),
    no XML prologue, and scaling with its container (the viewBox kept, the fixed size dropped)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "canbao"}):
        figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return f'{head} role="img" style="width:100%;height:auto">{rest}'
