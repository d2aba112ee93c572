"""Render a document from a Jinja2 template to HTML and to PDF (WeasyPrint).

Every generated document of the platform (the notices of a worksite inspection, the
forms of the enforcement lifecycle, the reports) goes through :func:`render_pdf`: one
template environment with autoescaping, one stylesheet (``templates/base.css``), and
PDF metadata naming the document and the platform. Templates live in
``documents/templates`` or in a domain's own template folder passed as ``search``.

WeasyPrint was chosen over ReportLab and fpdf2 because documents are written as HTML
and CSS (paged media: running headers, page numbers) that reviewers can read, and the
same template gives the HTML preview the interface shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def _date(value: date | datetime | None, fmt: str = "%B %-d, %Y") -> str:
    if value is None:
        return ""
    return value.strftime(fmt)


@lru_cache(maxsize=8)
def environment(*search: str) -> Environment:
    """Return the template environment over the given folders, then the shared one."""
    env = Environment(
        loader=FileSystemLoader([*search, str(TEMPLATES)]),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = _date
    return env


def render_html(template: str, context: Mapping[str, Any], *, search: tuple[str, ...] = ()) -> str:
    """Return the HTML of a template filled with a context (missing names are errors)."""
    return environment(*search).get_template(template).render(**context)


def render_pdf(
    template: str,
    context: Mapping[str, Any],
    *,
    title: str,
    search: tuple[str, ...] = (),
) -> bytes:
    """Return a PDF of a template filled with a context, titled for its metadata."""
    from weasyprint import HTML  # imported here: loading Pango costs ~0.5 s at import

    html = render_html(template, {**context, "document_title": title}, search=search)
    document = HTML(string=html, base_url=str(TEMPLATES)).render()
    # WeasyPrint takes metadata on the rendered document, not as a write_pdf option
    # (an unknown option is only logged, and the title was lost).
    document.metadata.title = title
    document.metadata.generator = "ImmigrationOS"
    pdf = document.write_pdf()
    if pdf is None:  # write_pdf returns bytes when no target is given
        raise RuntimeError(f"WeasyPrint produced no PDF for {template}")
    return bytes(pdf)
