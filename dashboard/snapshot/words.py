"""Say what every snapshot file says around its charts: title block facts, footers, definitions.

All renderers take their words from here, so the PDF, slides, image, web page and workbook
state the same service, period, filters, peer group, dates and source in the same words.
"""

from __future__ import annotations

from pathlib import Path

from .model import Definition, Snapshot, SnapshotPanel

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FONT_DIR = PROJECT_ROOT / "assets" / "fonts"
FONT_REGULAR = FONT_DIR / "LiberationSans-Regular.ttf"
FONT_BOLD = FONT_DIR / "LiberationSans-Bold.ttf"

# Colours of the dashboard's theme (dashboard.figures and the NHS identity).
TEXT = "#212b32"
MUTED = "#4c6272"
BLUE = "#005EB8"
RULE = "#d8dde0"
TILE = "#f0f4f5"
NOTICE_FILL = "#fff4c2"
NOTICE_EDGE = "#ffb81c"
ASSESSMENT_COLOURS = {"good": "#007f3b", "bad": "#d5281b", "neutral": MUTED}
ASSESSMENT_WORDS = {"good": "improvement", "bad": "worse", "neutral": ""}

NO_CHART = "No chart: nothing to draw for this panel."
EMPTY_VIEW = "This view has no figures to show."


def service_text(snapshot: Snapshot) -> str:
    """Name the service with its code: 'Hartwell Library (DEMO003)'."""
    if snapshot.service_name and snapshot.service_code:
        return f"{snapshot.service_name} ({snapshot.service_code})"
    return snapshot.service_name or snapshot.service_code


def filter_facts(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Return the view's filters and peer group as (label, words), service and period first."""
    facts: list[tuple[str, str]] = []
    labels = {label.lower() for label, _ in snapshot.filters}
    if service_text(snapshot) and "service" not in labels:
        facts.append(("Service", service_text(snapshot)))
    if snapshot.period_label and "period" not in labels:
        facts.append(("Period", snapshot.period_label))
    facts.extend((label, value) for label, value in snapshot.filters)
    return facts


def provenance_facts(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Return where the figures come from and when: data as of, generated, source."""
    as_of = (f"{snapshot.data_as_of:%d %b %Y %H:%M}" if snapshot.data_as_of else "unknown")
    facts = [("Data as of", as_of), ("Generated", f"{snapshot.generated:%d %b %Y %H:%M}")]
    if snapshot.source:
        facts.append(("Source", snapshot.source))
    if snapshot.organisation:
        facts.append(("Prepared for", snapshot.organisation))
    return facts


def all_facts(snapshot: Snapshot) -> list[tuple[str, str]]:
    return filter_facts(snapshot) + provenance_facts(snapshot)


def footer_text(snapshot: Snapshot) -> str:
    """Return the one-line footer: title · service · data as of · source."""
    parts = [snapshot.title, service_text(snapshot), snapshot.as_of_text, snapshot.source]
    return " · ".join(p for p in parts if p)


def panel_definitions(snapshot: Snapshot, panel: SnapshotPanel) -> list[Definition]:
    """Return the definitions of the measures a panel shows, in the panel's order."""
    by_code = {d.code: d for d in snapshot.definitions}
    return [by_code[code] for code in panel.metrics if code in by_code]


def definition_text(definition: Definition) -> str:
    """Say a definition in one line: 'Evidence searches: Mediated ... (unit: count; source: ...)'."""
    extra = "; ".join(p for p in (f"unit: {definition.unit}" if definition.unit else "",
                                  f"source: {definition.source}" if definition.source else "")
                      if p)
    text = f"{definition.name}: {definition.definition}"
    return f"{text} ({extra})" if extra else text


def panel_empty_text(panel: SnapshotPanel) -> str:
    """Say why a panel has no chart."""
    return panel.empty_message or NO_CHART


def view_empty_text(snapshot: Snapshot) -> str | None:
    """Say why the whole view is empty, or None when it has something to show."""
    if snapshot.empty_message:
        return snapshot.empty_message
    if not snapshot.panels and not snapshot.headlines:
        return EMPTY_VIEW
    return None


def headline_change(headline) -> str:
    """Return a headline's change with an arrow, or '' when there is nothing to compare."""
    if not headline.change:
        return ""
    text = headline.change.strip()
    arrow = {"+": "▲ ", "-": "▼ ", "−": "▼ "}.get(text[:1], "")
    return arrow + text


def reopen_text(snapshot: Snapshot) -> str:
    """Say how to see this view again in Shelfmark."""
    return f"Open this view in Shelfmark at {snapshot.link}" if snapshot.url else ""


def logo_path(snapshot: Snapshot) -> Path | None:
    """Return the organisation's logo file when it is set and readable, else None."""
    logo = snapshot.logo
    if logo is None:
        return None
    path = Path(logo)
    return path if path.is_file() else None
