"""The one-page report of a simulated month: the verdict, the checks of the ledger against Linli,
and plots of cases per day, backlog, escalations and 三率 per grid, so staff and reviewers can look
rather than read.

    .venv/bin/python -m sim.report RESULT.json [--out DIR]

writes DIR/report.html — one self-contained page (inline CSS, plots embedded as base64 PNG, no
script, no network) — and the plots beside it as PNG files for the README.

Plot text is English on purpose: matplotlib's bundled DejaVu fonts have no CJK glyphs and a fresh
machine has no CJK font, so Chinese labels would come out as empty boxes. The page itself may be
Chinese: the browser has the fonts.
"""
import argparse
import base64
import html
import json
import math
import sys
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Patch

PLOTS = ("cases_per_day.png", "backlog.png", "escalations.png", "rates_per_grid.png")
MAX_ESCALATION_ROWS = 50
MAX_VALUE_CHARS = 160

# How each kind of day is shaded behind the daily plots; a workday is left plain.
DAY_SHADES = {
    "weekend": {"label": "Weekend", "zh": "周末", "facecolor": "#e6e6e6", "hatch": None},
    "holiday": {"label": "Public holiday", "zh": "法定节假日", "facecolor": "#f9d0d0", "hatch": None},
    "makeup_workday": {"label": "Make-up workday (a weekend worked)", "zh": "调休上班",
                       "facecolor": "#fff1c7", "hatch": "///"},
}
# English names for the escalation levels the simulation is known to use; any other key is shown
# as written (the levels come from the data, not from this list).
LEVEL_NAMES = {"area_cadre": "Area cadre", "secretary": "Community secretary", "street": "Street grid centre",
               "street_overdue": "Overdue at the street centre", "unexpected": "Unexpected (not by the rule)"}
LEVEL_COLOURS = ("#f2b134", "#e8702a", "#c0392b", "#7b241c", "#4a235a", "#1b4f72")
RATES = (("response", "Response rate"), ("resolution", "Resolution rate"), ("satisfaction", "Satisfaction rate"))
# Written out, not strftime's %a / %b: those follow the locale, and a Chinese one has no glyphs in the plots.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LEDGER_COLOUR = "#5b7fa6"
LINLI_COLOUR = "#f28e2b"
DIFF_COLOUR = "#c0392b"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sim.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("result", type=Path, help="the simulation's result.json")
    parser.add_argument("--out", type=Path, help="where report.html and the plots go (default: beside RESULT)")
    args = parser.parse_args(argv)
    result = json.loads(args.result.read_text(encoding="utf-8"))
    page = render(result, args.out or args.result.parent)
    print("%s\n%s" % (verdict(result)["english"], page))
    return 0


def verdict(result):
    """Pass only when the ledger and Linli agree everywhere: no counted difference and no failed check."""
    checks = result.get("checks", [])
    failed = sum(1 for c in checks if not c.get("ok"))
    differences = int(result.get("differences", 0))
    # No checks at all is no evidence: a run that compared nothing must not read as a pass.
    passed = differences == 0 and failed == 0 and bool(checks)
    if not checks:
        english = "FAIL — no checks were reported: nothing was compared"
        chinese = "未通过：没有任何核对结果"
    elif passed:
        english = "PASS — zero differences between the ledger and Linli (%d checks)" % len(checks)
        chinese = "通过：模拟账本与邻里的记录零差异"
    else:
        english = "FAIL — %d difference%s between the ledger and Linli (%d of %d checks failed)" % (
            differences, "" if differences == 1 else "s", failed, len(checks))
        chinese = "未通过：模拟账本与邻里的记录有 %d 处差异" % differences
    broken = result.get("meta", {}).get("broken_rule")
    if broken and passed:
        note = "A rule was broken on purpose (%s), yet nothing differed: the checks missed it." % broken
    elif broken:
        note = "A rule was broken on purpose (%s): this run is meant to fail." % broken
    else:
        note = ""
    return {"passed": passed, "english": english, "chinese": chinese, "note": note}


def render(result, out_dir):
    """Write out_dir/report.html and the plots beside it; return the page's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    days = result.get("days", [])
    drawings = {
        "cases_per_day.png": _cases_per_day(days),
        "backlog.png": _backlog(days),
        "escalations.png": _escalations(days),
        "rates_per_grid.png": _rates_per_grid(result.get("grids", [])),
    }
    images = {}
    for name, figure in drawings.items():
        path = out_dir / name
        # No "Software" text chunk: it carries matplotlib's web address, and the page has none.
        figure.savefig(path, format="png", dpi=100, metadata={"Software": None})
        images[name] = base64.b64encode(path.read_bytes()).decode("ascii")
    page = out_dir / "report.html"
    page.write_text(_page(result, images), encoding="utf-8")
    return page


# -- plots ------------------------------------------------------------------------------------------
def _figure(width=11.0, height=4.0):
    # A Figure of its own, not pyplot: no global state, and PNG output uses Agg without any backend set.
    return Figure(figsize=(width, height), layout="constrained")


def _day_axes(figure, days, title, ylabel):
    """Axes with one slot per day, the kinds of day shaded, and dates readable under each slot."""
    axes = figure.add_subplot()
    kinds_seen = []
    for i, day in enumerate(days):
        shade = DAY_SHADES.get(day.get("kind"))
        if shade is None:
            continue
        axes.axvspan(i - 0.5, i + 0.5, facecolor=shade["facecolor"], hatch=shade["hatch"],
                     edgecolor="#d9b44a" if shade["hatch"] else "none", linewidth=0, zorder=0)
        if day["kind"] not in kinds_seen:
            kinds_seen.append(day["kind"])
    step = max(1, math.ceil(len(days) / 35))
    ticks = list(range(0, len(days), step))
    axes.set_xticks(ticks, [_day_label(days[i]["date"], first=i == 0) for i in ticks], fontsize=8)
    axes.set_xlim(-0.6, max(len(days), 7) - 0.4)     # a short run keeps bars of a day's width
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(title, fontsize=13, loc="left", fontweight="bold")
    axes.set_ylabel(ylabel)
    axes.set_xlabel(_period_label(days))
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    shades = [Patch(facecolor=DAY_SHADES[k]["facecolor"], hatch=DAY_SHADES[k]["hatch"],
                    edgecolor="#d9b44a" if DAY_SHADES[k]["hatch"] else "none",
                    label=DAY_SHADES[k]["label"]) for k in kinds_seen]
    return axes, shades


def _day_label(iso, first=False):
    """'27' over 'Sun'; the month is named on the first day shown and on each 1st ('Oct 1')."""
    day = date.fromisoformat(iso)
    number = "%s %d" % (MONTHS[day.month - 1], day.day) if first or day.day == 1 else str(day.day)
    return "%s\n%s" % (number, WEEKDAYS[day.weekday()])


def _period_label(days):
    if not days:
        return "no days simulated"
    return "Date (%s to %s)" % (days[0]["date"], days[-1]["date"])


def _legend(axes, handles):
    # Below the plot, so the days get the page's whole width.
    axes.figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), frameon=False,
                       fontsize=9)


def _cases_per_day(days):
    figure = _figure()
    axes, shades = _day_axes(figure, days, "Cases per day: filed by residents vs resolved by staff", "Cases")
    x = range(len(days))
    filed = axes.bar([i - 0.2 for i in x], [d["filed"] for d in days], width=0.4, color=LEDGER_COLOUR,
                     label="Filed (ledger)", zorder=2)
    resolved = axes.bar([i + 0.2 for i in x], [d["resolved"] for d in days], width=0.4, color="#59a14f",
                        label="Resolved (Linli)", zorder=2)
    handles = [filed, resolved]
    lost = [(i, d) for i, d in enumerate(days) if d.get("created", d["filed"]) != d["filed"]]
    if lost:
        # A day whose cases Linli created differs from what residents filed: lost or doubled cases.
        top = max(max(d["filed"], d["resolved"]) for d in days)
        handles.append(axes.scatter([i for i, _ in lost], [top * 1.06] * len(lost), marker="v", s=60,
                                    color=DIFF_COLOUR, zorder=3, label="Created in Linli ≠ filed"))
    _legend(axes, handles + shades)
    return figure


def _backlog(days):
    figure = _figure(height=3.4)
    axes, shades = _day_axes(figure, days, "Backlog: open cases at the end of each day", "Open cases")
    x = list(range(len(days)))
    backlog = [d["backlog_end"] for d in days]
    axes.fill_between(x, backlog, color=LINLI_COLOUR, alpha=0.25, zorder=1, linewidth=0)
    (line,) = axes.plot(x, backlog, color=LINLI_COLOUR, marker="o", markersize=3.5, zorder=2,
                        label="Open at day's end")
    axes.set_ylim(bottom=0)
    _legend(axes, [line] + shades)
    return figure


def _escalations(days):
    figure = _figure(height=3.6)
    axes, shades = _day_axes(figure, days, "Escalations per day, by level", "Escalations")
    levels = _levels(days)
    bottom = [0] * len(days)
    handles = []
    for n, level in enumerate(levels):
        counts = [d.get("escalations", {}).get(level, 0) for d in days]
        handles.append(axes.bar(range(len(days)), counts, bottom=bottom, width=0.7, zorder=2,
                                color=LEVEL_COLOURS[n % len(LEVEL_COLOURS)], label=_level_name(level)))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    if not any(bottom):
        axes.text(0.5, 0.5, "No escalations in this period", transform=axes.transAxes, ha="center",
                  va="center", fontsize=12, color="#666666")
        axes.set_ylim(0, 1)
    _legend(axes, handles + shades)
    return figure


def _levels(days):
    """The escalation levels the days name, in the order they first appear."""
    return list(dict.fromkeys(level for day in days for level in day.get("escalations", {})))


def _level_name(level):
    return LEVEL_NAMES.get(level, str(level).replace("_", " ").capitalize())


def _rates_per_grid(grids):
    codes = [str(g.get("code", "?")) for g in grids]
    wide = len(grids) <= 8
    figure = _figure(height=3.8) if wide else _figure(width=max(11.0, 0.45 * len(grids)), height=9.0)
    panels = figure.subplots(1, 3, sharey=True) if wide else figure.subplots(3, 1, sharey=True)
    figure.suptitle("Rates per grid: the ledger's hand count vs what Linli shows",
                    fontsize=13, fontweight="bold", x=0.01, ha="left")
    for axes, (key, title) in zip(panels, RATES, strict=True):
        ledger = [_percent(g.get("rates", {}).get(key, {}).get("ledger")) for g in grids]
        linli = [_percent(g.get("rates", {}).get(key, {}).get("linli")) for g in grids]
        x = range(len(grids))
        bars_ledger = axes.bar([i - 0.2 for i in x], _zeroed(ledger), width=0.4, color=LEDGER_COLOUR,
                               label="Ledger (hand count)", zorder=2)
        bars_linli = axes.bar([i + 0.2 for i in x], _zeroed(linli), width=0.4, color=LINLI_COLOUR,
                              label="Linli", zorder=2)
        for i, (a, b) in enumerate(zip(ledger, linli, strict=True)):
            if not _same(a, b):
                bars_linli[i].set_edgecolor(DIFF_COLOUR)
                bars_linli[i].set_linewidth(2)
                axes.annotate("≠", (i, 103), ha="center", va="bottom", color=DIFF_COLOUR, fontsize=14,
                              fontweight="bold", annotation_clip=False)
            for bar, value in ((bars_ledger[i], a), (bars_linli[i], b)):
                # Values written over the bars while they fit; "n/a" always, so nothing to count reads
                # differently from a rate of zero.
                if wide or value is None:
                    axes.annotate("n/a" if value is None else "%.1f" % value,
                                  (bar.get_x() + bar.get_width() / 2, _zeroed([value])[0]), xytext=(0, 2),
                                  textcoords="offset points", ha="center", va="bottom", fontsize=7,
                                  rotation=0 if wide else 90)
        axes.set_title(title, fontsize=11)
        if wide:
            axes.set_xlabel("Grid")
        axes.set_xticks(list(x), codes, fontsize=9, rotation=90 if max(map(len, codes), default=0) > 4 else 0)
        if not grids:
            axes.text(0.5, 0.5, "No grids reported", transform=axes.transAxes, ha="center", color="#666666")
        axes.set_ylim(0, 112)
        axes.set_yticks([0, 20, 40, 60, 80, 100])
        axes.grid(axis="y", color="#dddddd", linewidth=0.8)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    panels[0].set_ylabel("Percent")
    if not wide:
        panels[-1].set_xlabel("Grid")
    handles = [bars_ledger, bars_linli] if grids else []
    if any(not _same(_percent(g.get("rates", {}).get(k, {}).get("ledger")),
                     _percent(g.get("rates", {}).get(k, {}).get("linli"))) for g in grids for k, _ in RATES):
        handles.append(Patch(facecolor=LINLI_COLOUR, edgecolor=DIFF_COLOUR, linewidth=2, label="≠ Linli differs"))
    if handles:
        figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=9)
    return figure


def _percent(rate):
    """Rates are fractions (0..1) as Linli computes them; None where there is nothing to count."""
    return None if rate is None else float(rate) * 100


def _zeroed(values):
    return [0 if v is None else v for v in values]


def _same(a, b):
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, abs_tol=1e-6)


# -- the page ---------------------------------------------------------------------------------------
CSS = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Micro Hei", sans-serif; margin: 0 auto; max-width: 1140px; padding: 0 20px 40px;
       color: #222; line-height: 1.45; }
.verdict { margin: 20px 0 8px; padding: 16px 22px; border-radius: 6px; color: #fff; }
.verdict.pass { background: #2e7d32; } .verdict.fail { background: #c62828; }
.verdict .big { font-size: 26px; font-weight: 700; } .verdict .zh { font-size: 18px; }
.verdict .note { margin-top: 6px; font-size: 15px; }
.meta { color: #444; font-size: 14px; margin: 6px 0 18px; }
.meta b { color: #222; }
h2 { font-size: 19px; margin: 30px 0 8px; border-bottom: 2px solid #eee; padding-bottom: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fdecea; }
tr.failed td.status { color: #c62828; font-weight: 700; }
td.status { white-space: nowrap; color: #2e7d32; font-weight: 700; }
td.differs, td div.differs { color: #c62828; font-weight: 700; }
code { font-size: 12px; word-break: break-all; }
img { width: 100%; height: auto; display: block; margin: 4px 0; }
.more { color: #666; font-style: italic; }
details summary { cursor: pointer; color: #333; }
footer { margin-top: 36px; color: #888; font-size: 12px; }
"""


def _page(result, images):
    meta = result.get("meta", {})
    v = verdict(result)
    e = _escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s — %s</title>" % (e("Linli simulation 模拟报告"), e(meta.get("community", ""))),
        "<style>%s</style></head><body>" % CSS,
        '<div class="verdict %s"><div class="big">%s</div><div class="zh">%s</div>%s</div>' % (
            "pass" if v["passed"] else "fail", e(v["english"]), e(v["chinese"]),
            '<div class="note">%s</div>' % e(v["note"]) if v["note"] else ""),
        '<p class="meta">%s</p>' % _meta_line(meta),
        "<h2>Checks: the ledger against Linli 核对</h2>",
        _checks_table(result.get("checks", [])),
        "<h2>Cases per day 每日工单</h2>",
        _image(images, "cases_per_day.png", "Cases filed and resolved per day"),
        "<h2>Backlog 积压</h2>",
        _image(images, "backlog.png", "Open cases at the end of each day"),
        "<h2>Escalations 逐级上报</h2>",
        _image(images, "escalations.png", "Escalations per day by level"),
        "<h2>Rates per grid 三率（按网格）</h2>",
        _image(images, "rates_per_grid.png", "Response, resolution and satisfaction rate per grid"),
        _grids_table(result.get("grids", [])),
        "<h2>Escalations not on time 未按时上报</h2>",
        _escalations_table(result.get("escalations", [])),
        "<h2>Day by day 逐日数据</h2>",
        _days_table(result.get("days", [])),
        "<footer>Written by sim/report.py from the simulation's result.json. "
        "Plots are also saved beside this page as PNG files.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _escape(value):
    return html.escape(str(value), quote=True)


def _meta_line(meta):
    e = _escape
    start = meta.get("start")
    days = meta.get("days")
    period = e(start)
    if start and days:
        end = date.fromisoformat(start) + timedelta(days=int(days) - 1)
        period = "%s – %s (%d days)" % (e(start), e(end.isoformat()), int(days))
    items = [
        "Community 社区 <b>%s</b>" % e(meta.get("community", "?")),
        "database <b>%s</b>" % e(meta.get("database", "?")),
        "period <b>%s</b>" % period,
        "<b>%s</b> grids" % e(meta.get("grids", "?")),
        "<b>%s</b> households" % e(_thousands(meta.get("households"))),
        "seed <b>%s</b>" % e(meta.get("seed", "?")),
        "wall time <b>%s</b>" % e(_duration(meta.get("wall_seconds"))),
    ]
    if meta.get("broken_rule"):
        items.append('<span style="color:#c62828">broken on purpose 故意破坏的规则: <b>%s</b></span>'
                     % e(meta["broken_rule"]))
    return " · ".join(items)


def _thousands(n):
    return "{:,}".format(n) if isinstance(n, int) else ("?" if n is None else n)


def _duration(seconds):
    if seconds is None:
        return "?"
    seconds = float(seconds)
    if seconds < 120:
        return "%.1f s" % seconds
    return "%d min %02d s" % divmod(round(seconds), 60)


def _checks_table(checks):
    if not checks:
        return "<p>No checks were reported.</p>"
    # Failed rows first, otherwise in the simulation's order: what a reader must see is on top.
    ordered = sorted(checks, key=lambda c: bool(c.get("ok")))
    rows = ["<table><tr><th>Result</th><th>Check</th><th>Ledger 账本</th><th>Linli 邻里</th><th>Detail</th></tr>"]
    for check in ordered:
        ok = bool(check.get("ok"))
        rows.append('<tr class="%s"><td class="status">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
            "passed" if ok else "failed", "✓ pass" if ok else "✗ FAIL", _escape(check.get("name", "")),
            _value(check.get("ledger"), None if ok else check.get("linli")),
            _value(check.get("linli"), None if ok else check.get("ledger")),
            _escape(check.get("detail", ""))))
    rows.append("</table>")
    return "\n".join(rows)


def _value(value, other=None):
    """A check's value: a dict one key a line, in the same order on both sides, and on a failed check
    the keys both sides give but with different values marked; anything else as compact JSON."""
    if isinstance(value, dict) and value:
        lines = []
        for key in sorted(value, key=str):
            differs = isinstance(other, dict) and key in other and not _equal(value[key], other[key])
            lines.append("<div%s>%s: %s</div>" % (' class="differs"' if differs else "", _escape(key),
                                                  _json(value[key])))
        return "".join(lines)
    return _json(value)


def _equal(a, b):
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    return math.isclose(a, b, abs_tol=1e-4) if numbers else a == b


def _json(value):
    """Compact JSON; a long one folds away (no script: <details> opens it)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) <= MAX_VALUE_CHARS:
        return "<code>%s</code>" % _escape(text)
    return "<details><summary><code>%s…</code></summary><code>%s</code></details>" % (
        _escape(text[:MAX_VALUE_CHARS]), _escape(text))


def _image(images, name, alt):
    return '<img src="data:image/png;base64,%s" alt="%s">' % (images[name], _escape(alt))


def _grids_table(grids):
    if not grids:
        return "<p>No grids were reported.</p>"
    head = "".join("<th>%s ledger</th><th>%s Linli</th>" % (t.split()[0], t.split()[0]) for _, t in RATES)
    rows = ["<table><tr><th>Grid</th><th>Name</th><th>Worker 网格员</th><th>Cases</th>%s</tr>" % head]
    for grid in grids:
        cells = []
        for key, _ in RATES:
            pair = grid.get("rates", {}).get(key, {})
            ledger, linli = _percent(pair.get("ledger")), _percent(pair.get("linli"))
            differs = ' class="num differs"' if not _same(ledger, linli) else ' class="num"'
            cells.append('<td class="num">%s</td><td%s>%s</td>' % (_pct(ledger), differs, _pct(linli)))
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%s</td>%s</tr>" % (
            _escape(grid.get("code", "")), _escape(grid.get("name", "")), _escape(grid.get("worker", "")),
            _escape(grid.get("cases", "")), "".join(cells)))
    rows.append("</table>")
    return "\n".join(rows)


def _pct(value):
    return "—" if value is None else "%.1f%%" % value


def _escalations_table(escalations):
    late = [x for x in escalations if not x.get("ok")]
    if not late:
        return "<p>All %d escalations happened at the time the rule sets. 全部按时。</p>" % len(escalations)
    rows = ["<p>%d of %d escalations were not at the time the rule sets.</p>" % (len(late), len(escalations)),
            "<table><tr><th>Case</th><th>Level</th><th>Expected 应上报</th><th>Actual 实际</th><th>Off by</th></tr>"]
    for x in late[:MAX_ESCALATION_ROWS]:
        expected, actual = x.get("expected_at"), x.get("actual_at")
        cells = [x.get("case", ""), _level_name(x.get("level", "")),
                 _when(expected) if expected else "none: the rule does not escalate 不应上报",
                 _when(actual) if actual else "never 未上报"]
        rows.append('<tr class="failed">%s<td class="num">%s</td></tr>' % (
            "".join("<td>%s</td>" % _escape(c) for c in cells), _escape(_off_by(expected, actual))))
    rows.append("</table>")
    if len(late) > MAX_ESCALATION_ROWS:
        rows.append('<p class="more">… and %d more not shown.</p>' % (len(late) - MAX_ESCALATION_ROWS))
    return "\n".join(rows)


def _parse(stamp):
    try:
        return datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None


def _when(stamp):
    moment = _parse(stamp)
    return "%s %s" % (moment.strftime("%Y-%m-%d %H:%M"), WEEKDAYS[moment.weekday()]) if moment else (stamp or "")


def _off_by(expected, actual):
    """How far the escalation was from its time: '+1d 2h' late, '-3h' early, '' if not comparable."""
    a, b = _parse(expected), _parse(actual)
    if a is None or b is None or (a.tzinfo is None) != (b.tzinfo is None):
        return ""
    minutes = round((b - a).total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    days, rest = divmod(abs(minutes), 24 * 60)
    hours, minutes = divmod(rest, 60)
    pieces = [("%dd" % days) if days else "", ("%dh" % hours) if hours else "", ("%dm" % minutes) if minutes else ""]
    return sign + (" ".join(p for p in pieces if p) or "0m")


def _days_table(days):
    if not days:
        return "<p>No days were reported.</p>"
    levels = _levels(days)
    head = "".join("<th>%s</th>" % _escape(_level_name(level)) for level in levels)
    rows = ["<details><summary>%d days: filed, created, resolved, backlog, escalations, messages</summary>" % len(days),
            "<table><tr><th>Date</th><th>Kind</th><th>Filed</th><th>Created</th><th>Resolved</th><th>Backlog</th>"
            "%s<th>Messages</th><th>Answered ≤ 5 s</th></tr>" % head]
    for day in days:
        shade = DAY_SHADES.get(day.get("kind"))
        tint = ' style="background:%s"' % shade["facecolor"] if shade else ""     # as behind the plots
        escalations = day.get("escalations", {})
        cells = [
            "<td>%s %s</td>" % (_escape(day["date"]), WEEKDAYS[date.fromisoformat(day["date"]).weekday()]),
            "<td>%s</td>" % _escape(_kind_name(day.get("kind"))),
            _number(day.get("filed")),
            _number(day.get("created"), differs=day.get("created") != day.get("filed")),
            _number(day.get("resolved")),
            _number(day.get("backlog_end")),
            *(_number(escalations.get(level, 0)) for level in levels),
            _number(day.get("messages")),
            _number(day.get("answered_within_5s"), differs=day.get("answered_within_5s") != day.get("messages")),
        ]
        rows.append("<tr%s>%s</tr>" % (tint, "".join(cells)))
    rows.append("</table></details>")
    return "\n".join(rows)


def _number(value, differs=False):
    return '<td class="num%s">%s</td>' % (" differs" if differs else "", _escape(value))


def _kind_name(kind):
    shade = DAY_SHADES.get(kind)
    if shade:
        return "%s %s" % (shade["label"], shade["zh"])
    return "Workday 工作日" if kind == "workday" else str(kind).replace("_", " ")


if __name__ == "__main__":
    sys.exit(main())
