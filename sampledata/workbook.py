"""Rate appendices as real Excel files (openpyxl), byte-identical for the same content.

A formula cell carries the value Excel would have calculated and saved with it (openpyxl saves
formulas without one; the readers refuse a formula without its cached value, as they should).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

FIXED_TIME = datetime(2024, 10, 25, 12, 0, 0)
ZIP_TIME = (2024, 10, 25, 12, 0, 0)


class Formula(str):
    """Formula text (with `{r}` for the row) whose `cached` value Excel saved with it."""

    cached: float

    def __new__(cls, text: str, cached: float):
        obj = super().__new__(cls, text)
        obj.cached = cached
        return obj


def xlsx_bytes(sheet: str, title: list[str], header: list[str], rows: list[tuple],
               formats: dict[str, str]) -> bytes:
    """A workbook with one sheet: the `title` lines from row 1, an empty row, the header, the
    rows. `formats` maps a header name to the number format of its number cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r, line in enumerate(title, start=1):
        ws.cell(r, 1, line)
    header_row = len(title) + 2
    cached = {}
    number_format = [formats.get(h) for h in header]
    for c, name in enumerate(header, start=1):
        ws.cell(header_row, c, name)
    for r, values in enumerate(rows, start=header_row + 1):
        for c, v in enumerate(values, start=1):
            if v is None or v == "":
                continue
            if isinstance(v, Formula):
                cell = ws.cell(r, c, "=" + v.format(r=r))
                cached[cell.coordinate] = v.cached
            else:
                cell = ws.cell(r, c, v)
            if number_format[c - 1] and (isinstance(v, Formula) or not isinstance(v, str)):
                cell.number_format = number_format[c - 1]
    wb.properties.created = wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()  # save() would stamp now
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and cached:
                data = _with_cached_values(data, cached)
            dst.writestr(entry, data)
    return fixed.getvalue()


def _with_cached_values(sheet_xml: bytes, cached: dict[str, float]) -> bytes:
    def fill(match: re.Match) -> bytes:
        ref = match.group(1).decode()
        return match.group(0).replace(b"<v />", f"<v>{cached[ref]!r}</v>".encode()) if ref in cached else match.group(0)
    return re.sub(rb'<c r="([A-Z]+\d+)"[^>]*><f>[^<]*</f><v />', fill, sheet_xml)
