"""Assembly of the report's one self-contained HTML page.

The page holds plotly's JavaScript once, inline (no CDN, no network: it opens offline),
one ``<section class="report-section" id=...>`` per section with its tables and figure
divs, and the report's numbers as JSON in ``<script type="application/json"
id="report-data">``. Every text from the data (tickers, strategy names, file names) is
HTML-escaped; the JSON escapes ``<``, so no data can close the script element.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from ..utils.jsonable import to_jsonable

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; }
header { background: #1f2d3d; color: #fff; padding: 1rem 2rem; }
header h1 { margin: 0; font-size: 1.4rem; }
nav { position: sticky; top: 0; background: #f4f6f8; padding: .5rem 2rem; z-index: 10;
      border-bottom: 1px solid #dde; }
nav a { margin-right: 1.2rem; color: #1f4f8f; text-decoration: none; }
main { padding: 0 2rem 2rem; max-width: 1200px; }
section.report-section { padding-top: 1rem; border-bottom: 1px solid #eee; }
table.report-table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
table.report-table th, table.report-table td { padding: .25rem .6rem; border-bottom: 1px solid #e4e4e4;
      text-align: right; }
table.report-table th:first-child, table.report-table td:first-child { text-align: left; }
#summary-table td { text-align: left; }
.note { color: #555; font-size: .9rem; }
.bad { color: #b00020; font-weight: bold; }
.good { color: #1b7f3b; font-weight: bold; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; white-space: pre-wrap; }
"""


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    key : str
        Its id in the page (``summary``, ``weights``, ...).
    title : str
    body : str
        HTML (already escaped) shown before the figures.
    figures : tuple of (str, Figure)
        ``(div id, figure)`` pairs, drawn in order.
    after : str
        HTML shown after the figures.
    """

    key: str
    title: str
    body: str
    figures: tuple[tuple[str, go.Figure], ...] = field(default=())
    after: str = ""


def esc(value: object) -> str:
    """``value`` as escaped HTML text."""
    return html.escape(str(value), quote=True)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    table_id: str | None = None,
    keys: Sequence[str] | None = None,
) -> str:
    """An escaped HTML table; with ``keys`` each row's ``<tr>`` gets ``data-key`` (tests
    and scripts find a row by it), and every cell's text is the value as shown."""
    attr = f' id="{esc(table_id)}"' if table_id else ""
    out = [f'<table class="report-table"{attr}><thead><tr>']
    out += [f"<th>{esc(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        key = f' data-key="{esc(keys[i])}"' if keys is not None else ""
        out.append(f"<tr{key}>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_page(title: str, sections: Sequence[Section], data: dict[str, object]) -> str:
    """The whole HTML document of a report."""
    nav = "".join(f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s in sections)
    body = "".join(_section(s) for s in sections)
    payload = json.dumps(to_jsonable(data), allow_nan=False).replace("<", "\\u003c")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>{esc(title)}</h1></header><nav>{nav}</nav><main>{body}</main>"
        f'<script type="application/json" id="report-data">{payload}</script>'
        "</body></html>\n"
    )


def _section(section: Section) -> str:
    figures = "".join(
        pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)
        for div_id, fig in section.figures
    )
    return (
        f'<section class="report-section" id="{esc(section.key)}">'
        f"<h2>{esc(section.title)}</h2>{section.body}{figures}{section.after}</section>"
    )
