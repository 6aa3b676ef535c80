"""Small SVG charts drawn on the server: no script, no build step, readable on a phone."""
from markupsafe import Markup
from markupsafe import escape


def bars(rows, width=320, bar_height=18, gap=6, percent=True):
    """Horizontal bars for [(label, value)]; values in 0..1 when `percent`, else scaled to the
    largest. None is drawn as "—"."""
    if not rows:
        return Markup('<p class="muted">暂无数据</p>')
    top = 1 if percent else max((v or 0) for _, v in rows) or 1
    label_w, height = 90, len(rows) * (bar_height + gap)
    parts = ['<svg class="chart" viewBox="0 0 %d %d" role="img">' % (width, height)]
    for i, (label, value) in enumerate(rows):
        y = i * (bar_height + gap)
        length = 0 if value is None else (width - label_w - 50) * value / top
        text = "—" if value is None else ("%.0f%%" % (value * 100) if percent else "%g" % value)
        parts.append('<text x="0" y="%d">%s</text>' % (y + 13, escape(str(label))[:8]))
        parts.append('<rect x="%d" y="%d" width="%.1f" height="%d" rx="3"></rect>' % (label_w, y, length, bar_height))
        parts.append('<text x="%.1f" y="%d">%s</text>' % (label_w + length + 4, y + 13, text))
    parts.append("</svg>")
    return Markup("".join(parts))


def line(points, width=320, height=120):
    """A line over [(label, value)], first and last labels shown."""
    values = [v for _, v in points if v is not None]
    if len(values) < 2:
        return Markup('<p class="muted">数据不足</p>')
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = (width - 20) / (len(points) - 1)
    coords = ["%.1f,%.1f" % (10 + i * step, 10 + (height - 40) * (1 - ((v if v is not None else low) - low) / span))
              for i, (_, v) in enumerate(points)]
    return Markup('<svg class="chart" viewBox="0 0 %d %d" role="img"><polyline points="%s"></polyline>'
                  '<text x="0" y="%d">%s</text><text x="%d" y="%d" text-anchor="end">%s</text>'
                  '<text x="%d" y="12" text-anchor="end">%s</text></svg>'
                  % (width, height, " ".join(coords), height - 8, escape(points[0][0]), width, height - 8,
                     escape(points[-1][0]), width, escape("%g" % high)))
