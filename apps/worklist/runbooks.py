"""Runbook pages: docs/runbooks/<category>.md rendered to safe HTML.

A deliberately tiny Markdown subset — headings (#, ##, ###), paragraphs, bullet and numbered lists,
**bold**, `code` — applied AFTER escaping the whole text, so raw HTML in a runbook shows as text and nothing
a runbook says can inject markup. Only files named after a known category are ever read (no paths from
the request reach the file system).
"""

import re
from html import escape
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from apps.worklist.models import WorklistCategory

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def runbook_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "runbooks"


def runbook_text(category: str) -> str | None:
    """The Markdown of a category's runbook, or None (unknown category or missing file)."""
    if category not in WorklistCategory.values:
        return None
    path = runbook_dir() / f"{category}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _inline(text: str) -> str:
    text = escape(text, quote=True)
    text = _CODE.sub(r"<code>\1</code>", text)
    return _BOLD.sub(r"<strong>\1</strong>", text)


def render(markdown: str) -> SafeString:
    """HTML for `markdown` (the subset above); every character of input is escaped first."""
    html: list[str] = []
    paragraph: list[str] = []
    list_tag = None

    def flush_paragraph():
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list():
        nonlocal list_tag
        if list_tag:
            html.append(f"</{list_tag}>")
            list_tag = None

    for line in markdown.splitlines():
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if not line.strip():
            flush_paragraph()
            close_list()
        elif heading:
            flush_paragraph()
            close_list()
            level = len(heading.group(1)) + 1  # the page has its own h1
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            flush_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                close_list()
                html.append(f"<{tag}>")
                list_tag = tag
            html.append(f"<li>{_inline((bullet or numbered).group(1))}</li>")
        else:
            close_list()
            paragraph.append(line.strip())
    flush_paragraph()
    close_list()
    return mark_safe("\n".join(html))  # noqa: S308 — built only from escaped text and our own tags
