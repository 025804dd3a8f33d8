"""LibreOffice for the tests: render a .docx to PDF with CJK fonts it can find, read the PDF's text back.

No CJK font need be installed system-wide: the fonts that the `mplfonts` package ships (Noto Sans/Serif CJK SC,
SimHei, Source Han Serif SC) are made visible to fontconfig by a configuration file of the test's own
(FONTCONFIG_FILE) that includes the system's and adds that folder, and maps the fonts GB/T 9704 names
(仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 宋体, 黑体) onto them. LibreOffice gets a profile of its own as well,
so parallel or repeated runs never share (or lock) a user installation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.services import libreoffice

_SYSTEM_CONF = Path("/etc/fonts/fonts.conf")
_SERIF = "Noto Serif CJK SC"
_SANS = "SimHei"
_ALIASES = {
    "仿宋_GB2312": _SERIF,
    "仿宋": _SERIF,
    "FangSong": _SERIF,
    "方正小标宋简体": _SERIF,
    "楷体_GB2312": _SERIF,
    "楷体": _SERIF,
    "宋体": _SERIF,
    "SimSun": _SERIF,
    "黑体": _SANS,
}


def cjk_fonts_dir() -> Path:
    import mplfonts

    return Path(mplfonts.__file__).resolve().parent / "fonts"


def fontconfig_file(folder: Path) -> Path:
    """A fontconfig file that sees the system's fonts and mplfonts' CJK fonts, with a cache in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    include = f"<include ignore_missing='yes'>{_SYSTEM_CONF}</include>" if _SYSTEM_CONF.exists() else ""
    aliases = "".join(
        f"<alias binding='same'><family>{name}</family><prefer><family>{target}</family></prefer></alias>"
        for name, target in _ALIASES.items()
    )
    path = folder / "fonts.conf"
    path.write_text(
        "<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
        f"{include}<dir>{cjk_fonts_dir()}</dir><cachedir>{folder / 'cache'}</cachedir>{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return path


def docx_to_pdf(docx: Path, work: Path, timeout: float = 120) -> Path:
    """Convert with `libreoffice --headless --convert-to pdf`; the PDF lands in `work`."""
    binary = libreoffice()
    assert binary, "LibreOffice is not installed"
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(fontconfig_file(work / "fontconfig")),
        "HOME": str(work / "home"),
        "SAL_USE_VCLPLUGIN": "svp",
    }
    profile = (work / "profile").resolve().as_uri()
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(docx),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    pdf = work / (docx.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {docx.name}"
    return pdf


def pdf_text(pdf: Path) -> str:
    """The PDF's text: pdftotext where poppler is installed, else pypdf."""
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, timeout=60
        ).stdout.decode("utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


def pdf_fonts(pdf: Path) -> list[str]:
    """The names of the fonts embedded in the PDF (pypdf)."""
    from pypdf import PdfReader

    names: set[str] = set()
    for page in PdfReader(pdf).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont", "")))
            for descendant in font.get("/DescendantFonts", []) or []:
                names.add(str(descendant.get_object().get("/BaseFont", "")))
    return sorted(n for n in names if n)
