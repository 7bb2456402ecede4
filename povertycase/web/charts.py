"""Charts drawn on the server as inline SVG: no script, no library, a couple of kilobytes each.
Every chart is an image with a title (role="img") and sits beside a table of its figures,
which is what screen readers and careful readers use; the drawing is for the eye. Series
differ by more than colour (markers, dashes, order), and every text is escaped."""

from dataclasses import dataclass
from math import ceil, floor, log10

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, PLOT_HEIGHT = 340, 160
LEFT, RIGHT, TOP = 40, 8, 12
FONT, CHAR = 12, 6.8  # font size and the width of an average character, for the legend's layout
INK, MUTED, LINE = "#1c2430", "#5b6674", "#d5dbe3"


@dataclass
class Series:
    name: str
    values: list  # one per label; None where there is nothing to draw
    colour: str
    dashed: bool = False
    marker: str = "circle"  # or "square"


def nice_scale(largest: float, *, whole: bool = False, steps: int = 4) -> tuple[float, float]:
    """(the top of the axis, the step between gridlines): round numbers reaching `largest`;
    with `whole`, steps of at least 1 (counts of households)."""
    if largest <= 0:
        return float(steps), 1.0
    raw = largest / steps
    magnitude = 10 ** floor(log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, ceil(step))
    return step * ceil(round(largest / step, 9)), step


def _number(value, decimals: int) -> str:
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


class _Drawing:
    """The frame every chart shares: title, gridlines with their values, the labels below, and
    the legend (`legend`: "line" or "bar" entries)."""

    def __init__(self, *, title: str, ident: str, labels: list[str], series: list[Series], top: float, step: float,
                 suffix: str, decimals: int, legend: str):
        self.labels, self.series, self.top, self.kind = labels, series, top, legend
        self.band = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
        self.legend = self._legend_layout()
        height = TOP + PLOT_HEIGHT + 26 + 16 * (self.legend[-1][2] + 1 if self.legend else 0)
        self.parts = [
            f'<svg role="img" aria-labelledby="{ident}-title" viewBox="0 0 {WIDTH} {height}" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" font-family="system-ui, sans-serif">',
            f'<title id="{ident}-title">{escape(title)}</title>']
        for n in range(int(round(top / step)) + 1):
            value = n * step
            y = self.y(value)
            self.parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}"/>')
            label = _number(value, 0 if value == int(value) else decimals) + suffix
            self.parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                              f'{escape(label)}</text>')
        for index, label in enumerate(labels):
            self.parts.append(f'<text x="{self.x(index):.1f}" y="{TOP + PLOT_HEIGHT + 15}" text-anchor="middle" '
                              f'fill="{INK}">{escape(label)}</text>')

    def x(self, index: int) -> float:
        return LEFT + self.band * (index + 0.5)

    def y(self, value: float) -> float:
        return TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / self.top

    def _legend_layout(self) -> list[tuple[Series, float, int]]:
        """(series, x, row): the legend's entries, wrapped onto as many rows as they need."""
        placed, x, row = [], LEFT, 0
        for one in self.series:
            width = 34 + len(one.name) * CHAR
            if x > LEFT and x + width > WIDTH - RIGHT:
                x, row = LEFT, row + 1
            placed.append((one, x, row))
            x += width
        return placed

    def finish(self) -> SafeString:
        for one, x, row in self.legend:
            y = TOP + PLOT_HEIGHT + 38 + 16 * row
            if self.kind == "line":
                dash = ' stroke-dasharray="5 3"' if one.dashed else ""
                self.parts.append(f'<line x1="{x:.1f}" x2="{x + 22:.1f}" y1="{y - 4}" y2="{y - 4}" '
                                  f'stroke="{one.colour}" stroke-width="2"{dash}/>')
                self.parts.append(marker(one, x + 11, y - 4))
            else:
                self.parts.append(f'<rect x="{x + 6:.1f}" y="{y - 10}" width="10" height="10" fill="{one.colour}"/>')
            self.parts.append(f'<text x="{x + 27:.1f}" y="{y}" fill="{INK}">{escape(one.name)}</text>')
        self.parts.append("</svg>")
        return mark_safe("".join(self.parts))  # every text in it is escaped


def marker(series: Series, x: float, y: float, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    if series.marker == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{series.colour}">{title}</rect>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{series.colour}">{title}</circle>'


def line_chart(*, title: str, ident: str, labels: list[str], series: list[Series], suffix: str = "",
               decimals: int = 2) -> SafeString:
    """A line per series over `labels` (years), a marker on each point with its value as a
    tooltip; a missing value breaks the line."""
    top, step = nice_scale(max((v for one in series for v in one.values if v is not None), default=0))
    drawing = _Drawing(title=title, ident=ident, labels=labels, series=series, top=top, step=step, suffix=suffix,
                       decimals=decimals, legend="line")
    for one in series:
        runs, markers = [[]], []
        for index, value in enumerate(one.values):
            if value is None:
                runs.append([])
                continue
            x, y = drawing.x(index), drawing.y(value)
            runs[-1].append(f"{x:.1f},{y:.1f}")
            markers.append(marker(one, x, y, f"{labels[index]}: {_number(value, decimals)}{suffix}"))
        dash = ' stroke-dasharray="5 3"' if one.dashed else ""
        drawing.parts += [f'<polyline points="{" ".join(run)}" fill="none" stroke="{one.colour}" '
                          f'stroke-width="2"{dash}/>' for run in runs if len(run) > 1]
        drawing.parts += markers
    return drawing.finish()


def bar_chart(*, title: str, ident: str, labels: list[str], series: list[Series]) -> SafeString:
    """Bars grouped by label (year), one per series in the legend's order, counted from zero."""
    top, step = nice_scale(max((v or 0 for one in series for v in one.values), default=0), whole=True)
    drawing = _Drawing(title=title, ident=ident, labels=labels, series=series, top=top, step=step, suffix="",
                       decimals=0, legend="bar")
    width = drawing.band * 0.8 / max(len(series), 1)
    for position, one in enumerate(series):
        for index, value in enumerate(one.values):
            if not value:
                continue
            x, y = LEFT + drawing.band * (index + 0.1) + width * position, drawing.y(value)
            drawing.parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width - 1, 1):.1f}" height="{TOP + PLOT_HEIGHT - y:.1f}" '
                f'fill="{one.colour}"><title>{escape(labels[index])}, {escape(one.name)}: {_number(value, 0)}</title>'
                f'</rect>')
    return drawing.finish()
