"""Static SVG charts for the report: Vega-Lite specs built with altair, rendered by vl-convert.

Every chart carries a title, axis titles with units and a Danish text alternative (the SVG's
<title>/<desc> and aria-label), uses Danish number formatting (`format_locale="da-DK"`), and
uses colours that stay apart in black-and-white print and for colour-blind readers: a dark
blue and a light orange (Okabe–Ito) of clearly different lightness, and several series are
told apart by line dash and point shape too, never by hue alone.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass

import altair as alt
import polars as pl

from ingest.danish_format import dansk_sorteret

DARK, LIGHT, MID, REFERENCE = "#0b3c5d", "#e69f00", "#56b4e9", "#222222"
SERIES = [DARK, LIGHT, MID, "#7a7a7a", "#cc79a7"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 4]]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross"]
WIDTH = 600
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: `svg` is inline SVG markup (ids made unique in the document), `title`
    its heading, `alt` the text alternative, `source` the cockpit view(s) it shows."""

    svg: str
    title: str
    alt: str
    source: str


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT, aria=False, background="white")
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, gridColor="#dddddd")
        .configure_title(fontSize=13, anchor="start", subtitleFontSize=11, subtitleColor="#333333")
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="bottom")
    )


def render(chart: alt.TopLevelMixin, *, title: str, alt_text: str, source: str) -> Chart:
    """Render to SVG (no network: vl-convert bundles Vega) and make it accessible."""
    import vl_convert

    from report.memo import one_period

    alt_text = one_period(alt_text)
    spec = _config(chart).to_dict()
    svg = vl_convert.vegalite_to_svg(spec, format_locale="da-DK")
    n = next(_ids)
    # Several SVGs share one HTML document: keep any id (clip paths, gradients) unique.
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="c{n}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#c{n}-{m.group(1)})", svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="c{n}-t c{n}-d" ', 1)
    svg = re.sub(
        r"(<svg[^>]*>)",
        lambda m: (
            m.group(1) + f'<title id="c{n}-t">{html.escape(title)}</title>'
            f'<desc id="c{n}-d">{html.escape(alt_text)}</desc>'
        ),
        svg,
        count=1,
    )
    return Chart(svg=svg, title=title, alt=alt_text, source=source)


def bars_with_reference(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    reference: float | None,
    reference_label: str,
    title: str,
    subtitle: str,
    x_title: str,
    value_format: str = ",.0f",
) -> alt.LayerChart:
    """Horizontal bars of `value` per `category`, sorted, with a dashed reference rule."""
    base = alt.Chart(df.to_pandas()).encode(y=alt.Y(f"{category}:N", sort="-x", title=None))
    bars = base.mark_bar(stroke=REFERENCE, strokeWidth=0.5, color=DARK).encode(
        x=alt.X(f"{value}:Q", title=x_title, axis=alt.Axis(format=value_format))
    )
    layers = [bars]
    if reference is not None:
        rule = alt.Chart(pl.DataFrame({"ref": [float(reference)], "label": [reference_label]}).to_pandas())
        layers.append(rule.mark_rule(color=REFERENCE, strokeDash=[5, 3], strokeWidth=1.5).encode(x="ref:Q"))
        layers.append(
            rule.mark_text(align="left", dx=4, dy=-6, fontSize=10, color=REFERENCE).encode(
                x="ref:Q", y=alt.value(0), text="label:N"
            )
        )
    return alt.layer(*layers).properties(
        width=WIDTH - 140, height=max(120, 22 * df.height), title=alt.TitleParams(title, subtitle=subtitle)
    )


def lines(
    df: pl.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    title: str,
    subtitle: str,
    y_title: str,
    x_title: str = "År",
    y_format: str = ",.0f",
    rule: float | None = None,
    rule_label: str = "",
    order: list[str] | None = None,
) -> alt.LayerChart:
    """Lines per series, told apart by colour, dash and point shape; optional horizontal rule."""
    domain = order or dansk_sorteret(df[series].unique().to_list())
    encode = dict(
        x=alt.X(f"{x}:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format), scale=alt.Scale(zero=False)),
        color=alt.Color(f"{series}:N", title=None, scale=alt.Scale(domain=domain, range=SERIES[: len(domain)])),
        strokeDash=alt.StrokeDash(
            f"{series}:N", title=None, scale=alt.Scale(domain=domain, range=DASHES[: len(domain)])
        ),
        shape=alt.Shape(f"{series}:N", title=None, scale=alt.Scale(domain=domain, range=SHAPES[: len(domain)])),
    )
    chart = (
        alt.Chart(df.to_pandas())
        .mark_line(point=alt.OverlayMarkDef(size=50, filled=True), strokeWidth=2)
        .encode(**encode)
    )
    layers = [chart]
    if rule is not None:
        ref = alt.Chart(pl.DataFrame({"ref": [float(rule)], "label": [rule_label]}).to_pandas())
        layers.append(ref.mark_rule(color=REFERENCE, strokeDash=[5, 3]).encode(y="ref:Q"))
        layers.append(
            ref.mark_text(align="left", x=4, dy=-6, fontSize=10, color=REFERENCE).encode(y="ref:Q", text="label:N")
        )
    return alt.layer(*layers).properties(width=WIDTH - 120, height=220, title=alt.TitleParams(title, subtitle=subtitle))


def small_multiples(
    df: pl.DataFrame, *, x: str, y: str, facet: str, title: str, subtitle: str, y_title: str, rule: float | None = None
) -> alt.FacetChart:
    """One small line chart per `facet` value (eleven municipalities stay readable in print)."""
    base = (
        alt.Chart()
        .mark_line(color=DARK, point=alt.OverlayMarkDef(color=DARK, size=20))
        .encode(
            x=alt.X(f"{x}:O", title=None, axis=alt.Axis(labelAngle=-90, labelFontSize=9)),
            y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
        )
        .properties(width=112, height=80)
    )
    layers = [base]
    if rule is not None:
        layers.append(alt.Chart().mark_rule(color=REFERENCE, strokeDash=[3, 3]).encode(y=alt.datum(rule)))
    return (
        alt.layer(*layers, data=df.to_pandas())
        .facet(facet=alt.Facet(f"{facet}:N", title=None, sort=dansk_sorteret(df[facet].unique())), columns=4)
        .properties(title=alt.TitleParams(title, subtitle=subtitle))
    )


def grouped_bars(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    group: str,
    title: str,
    subtitle: str,
    x_title: str,
    order: list[str],
    value_format: str = ",.0f",
    tick: str | None = None,
    tick_label: str = "",
    rule: float | None = None,
    rule_label: str = "",
) -> alt.LayerChart:
    """Bars per category with one bar per group (dark / light / mid), optional tick per category
    (e.g. the budgeted occupancy) and an optional reference rule."""
    pdf = df.to_pandas()
    base = alt.Chart(pdf).encode(y=alt.Y(f"{category}:N", title=None, sort=None))
    bars = base.mark_bar(stroke=REFERENCE, strokeWidth=0.5).encode(
        x=alt.X(f"{value}:Q", title=x_title, axis=alt.Axis(format=value_format)),
        yOffset=alt.YOffset(f"{group}:N", sort=order),
        color=alt.Color(f"{group}:N", title=None, scale=alt.Scale(domain=order, range=SERIES[: len(order)])),
    )
    layers = [bars]
    if tick:
        ticks = (
            df.filter(pl.col(tick).is_not_null())
            .unique(subset=[category])
            .with_columns(pl.lit(tick_label).alias("_tick"))
        )
        layers.append(
            alt.Chart(ticks.to_pandas())
            .mark_tick(color=REFERENCE, thickness=2, size=18)
            .encode(
                y=alt.Y(f"{category}:N", sort=None),
                x=f"{tick}:Q",
                shape=alt.Shape("_tick:N", title=None, legend=alt.Legend(symbolType="stroke")),
            )
        )
    if rule is not None:
        ref = alt.Chart(pl.DataFrame({"ref": [float(rule)], "label": [rule_label]}).to_pandas())
        layers.append(ref.mark_rule(color=REFERENCE, strokeDash=[5, 3]).encode(x="ref:Q"))
    n = df[category].n_unique()
    return alt.layer(*layers).properties(
        width=WIDTH - 180, height=max(100, n * 12 * len(order) + n * 6), title=alt.TitleParams(title, subtitle=subtitle)
    )


def stacked_shares(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    group: str,
    title: str,
    subtitle: str,
    order: list[str],
    x_title: str = "Andel af køb, %",
) -> alt.Chart:
    """Stacked horizontal bars of shares that sum to 100 per category (`value` in percent); the
    groups go from dark to light, so grey print keeps them apart."""
    palette = ["#0b3c5d", "#3f7fae", "#9ecae1", "#e69f00", "#f2f2f2"][: len(order)]
    return (
        alt.Chart(df.to_pandas())
        .mark_bar(stroke=REFERENCE, strokeWidth=0.5)
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort=dansk_sorteret(df[category].unique())),
            x=alt.X(
                f"{value}:Q",
                title=x_title,
                stack="zero",
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(format=",.0f"),
            ),
            color=alt.Color(f"{group}:N", title=None, scale=alt.Scale(domain=order, range=palette), sort=order),
            order=alt.Order("_order:Q"),
        )
        .transform_calculate(_order=f"indexof({order!r}, datum['{group}'])")
        .properties(
            width=WIDTH - 160,
            height=max(80, 24 * df[category].n_unique()),
            title=alt.TitleParams(title, subtitle=subtitle),
        )
    )


def dots(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    group: str,
    title: str,
    subtitle: str,
    x_title: str,
    order: list[str],
    tick: str | None = None,
    tick_label: str = "",
) -> alt.LayerChart:
    """A dot plot (values far from zero, e.g. occupancy 90–100 %): one marker per group and
    category — dark circle, light square — and an optional tick per category (a target)."""
    pdf = df.to_pandas()
    layers = []
    if tick:
        ticks = (
            df.filter(pl.col(tick).is_not_null())
            .unique(subset=[category])
            .with_columns(pl.lit(tick_label).alias("_tick"))
        )
        layers.append(
            alt.Chart(ticks.to_pandas())
            .mark_tick(color=REFERENCE, thickness=2, size=16)
            .encode(
                y=alt.Y(f"{category}:N", sort=None, title=None),
                x=alt.X(f"{tick}:Q"),
                opacity=alt.Opacity("_tick:N", title=None, legend=alt.Legend(symbolType="stroke")),
            )
        )
    layers.append(
        alt.Chart(pdf)
        .mark_point(filled=True, size=60, stroke=REFERENCE, strokeWidth=0.5)
        .encode(
            y=alt.Y(f"{category}:N", sort=None, title=None),
            x=alt.X(f"{value}:Q", title=x_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=",.1f")),
            color=alt.Color(f"{group}:N", title=None, scale=alt.Scale(domain=order, range=SERIES[: len(order)])),
            shape=alt.Shape(f"{group}:N", title=None, scale=alt.Scale(domain=order, range=SHAPES[: len(order)])),
        )
    )
    return alt.layer(*layers).properties(
        width=WIDTH - 200,
        height=max(100, 16 * df[category].n_unique()),
        title=alt.TitleParams(title, subtitle=subtitle),
    )
