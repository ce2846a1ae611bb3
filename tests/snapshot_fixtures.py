"""Build realistic snapshots by hand, for the renderer tests and the snapshot benchmark.

Figures come from `dashboard.figures` fed with small hand-made panel data, as the pages make
them; the text carries what real data may: £, €, –, ’, ·, ≤, markup in a service name, and a
table cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.catalogue import CATALOGUE
from dashboard.figures.panels import make_breakdown_figure, make_trend_figure
from dashboard.snapshot.model import Definition, Headline, Snapshot, SnapshotPanel
from dashboard.templates import Panel
from dashboard.views import PanelData

SERVICE_NAME = "Hartwell & Dene NHS Trust – Library £ Knowledge <script>alert(1)</script>"
SERVICE_CODE = "DEMO003"
FORMULA_CELL = '=HYPERLINK("x")'
MONTHS = ["Apr 2024", "May 2024", "Jun 2024", "Jul 2024", "Aug 2024", "Sep 2024",
          "Oct 2024", "Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025", "Mar 2025"]


def _trend(key, kind, title, metrics, series, description, coverage=None):
    rows = []
    for code, values in zip(metrics, series):
        for i, (period, value) in enumerate(zip(MONTHS, values)):
            if value is None:
                continue
            rows.append({"metric": code, "label": CATALOGUE[code].label, "bucket": i,
                         "period": period, "value": float(value),
                         "coverage": (coverage or {}).get(period, 1.0)})
    frame = pd.DataFrame(rows)
    panel = Panel(key, kind, title, tuple(metrics), "activity", description)
    data = PanelData(panel, f"{title}, Apr 2024 – Mar 2025", frame, "month", periods=MONTHS)
    table = frame.pivot(index="period", columns="label", values="value").reindex(MONTHS)
    table = table.reset_index().rename(columns={"period": "Month"})
    table.columns.name = None
    return data, table


def _breakdown(key, kind, title, values: dict[str, float], description, parts=True):
    rows = [{"metric": code, "label": CATALOGUE[code].label, "bucket": None,
             "period": "2024/25", "value": float(v), "coverage": 1.0}
            for code, v in values.items()]
    frame = pd.DataFrame(rows)
    panel = Panel(key, kind, title, tuple(values), "finance", description, parts_of_whole=parts)
    data = PanelData(panel, f"{title}, 2024/25", frame, "year")
    table = pd.DataFrame({"Measure": frame["label"], "Value": frame["value"]})
    if parts:
        table["Share of total"] = (frame["value"] / frame["value"].sum()).round(4)
    return data, table


def _panel(data, table, caption, notes=(), alt=""):
    figure = (make_breakdown_figure(data) if data.panel.kind in ("breakdown", "shares")
              else make_trend_figure(data))
    return SnapshotPanel(
        key=data.panel.key, title=data.title, caption=caption,
        description=data.panel.description, figure=figure, table=table,
        metrics=data.panel.metrics, notes=tuple(notes),
        alt_text=alt or f"Chart: {data.title}. {caption}")


def make_panels() -> list[SnapshotPanel]:
    """Return eight charted panels, as a dashboard page would give them."""
    searches = [98, 104, 112, 95, 87, 101, 118, 121, 90, 115, 109, 124]
    trained = [210, 190, 250, 180, 160, 240, 260, 255, 170, 230, 220, 265]
    panels = []
    data, table = _trend("activity-trend", "trend", "Evidence searches and training",
                         ("searches", "trained_total"), (searches, trained),
                         "Literature/evidence searches completed and people trained.",
                         coverage={"Mar 2025": 0.5})
    table.loc[len(table)] = [FORMULA_CELL, None, None]  # a cell a spreadsheet would run
    panels.append(_panel(data, table, "Evidence searches rose 12% to 1,284 in 2024/25; "
                                      "training held steady at about 2,600 attendances.",
                         notes=("Mar 2025 is incomplete: 50% of the month reported.",)))
    data, table = _breakdown("staff-by-band", "breakdown", "Staff by band",
                             {"staff_qualified_wte": 7.6, "staff_para_wte": 5.2},
                             "WTE at the end of the period, by band.")
    panels.append(_panel(data, table, "59% of the 12.8 WTE in post are qualified (bands 5–8)."))
    data, table = _breakdown("expenditure-by-category", "breakdown", "Expenditure by category",
                             {"exp_staff": 412_300, "exp_eresources": 188_950,
                              "exp_print": 21_400, "exp_document_supply": 8_250,
                              "exp_other": 14_700},
                             "Spend in the period by category, with each share of the total.")
    panels.append(_panel(data, table, "Staff costs are 64% of the £645,600 spent; "
                                      "e-resources €-priced licences ≤ 29%."))
    data, table = _breakdown("enquiries-by-type", "breakdown", "Enquiries by type",
                             {"enquiries_procedural": 1_840, "enquiries_information": 960},
                             "Enquiries answered in the period, by type.")
    panels.append(_panel(data, table, "Two in three enquiries were procedural."))
    data, table = _breakdown("impact-shares", "shares", "Reported impact",
                             {"impact_patient_care_pct": 71.5,
                              "impact_decision_making_pct": 64.0,
                              "impact_time_saved_pct": 82.3, "impact_learning_pct": 58.9},
                             "Share of respondents reporting each kind of impact.", parts=False)
    panels.append(_panel(data, table, "82% of respondents said the service saved them time.",
                         notes=("Based on 146 questionnaire responses.",)))
    data, table = _trend("enquiries-trend", "stacked", "Enquiries",
                         ("enquiries_procedural", "enquiries_information"),
                         ([150, 160, 148, 140, 120, 155, 170, 168, 130, 160, 150, 189],
                          [80, 75, 82, 70, 66, 85, 90, 88, 60, 84, 80, 100]),
                         "Enquiries per month, stacked by type.")
    panels.append(_panel(data, table, "Enquiries peaked in March at 289."))
    data, table = _trend("qualified-ratio-trend", "ratio", "Qualified staff ratio",
                         ("qualified_ratio",),
                         ([1730, 1728, 1741, 1745, 1745, None, 1702, 1698, 1698, 1690, 1688,
                           1680],),
                         "Organisation WTE served per qualified LKS WTE; lower is better.")
    panels.append(_panel(data, table, "1 qualified WTE per 1,680 staff served, above the "
                                      "1:1,250 benchmark.",
                         notes=("Sep 2024 was not reported.",)))
    data, table = _trend("eresources-trend", "trend", "E-resource use", ("eresource_sessions",),
                         ([5200, 5400, 5100, 4800, 4300, 5600, 6100, 6300, 4700, 6000, 5900,
                           6400],), "Sessions on licensed e-resources.")
    panels.append(_panel(data, table, "E-resource sessions rose 8% to 65,800."))
    return panels


def definitions_for(panels) -> list[Definition]:
    codes = list(dict.fromkeys(code for p in panels for code in p.metrics))
    return [Definition(code, CATALOGUE[code].label, CATALOGUE[code].definition,
                       unit=CATALOGUE[code].unit, source="NHS Statistics Toolbox")
            for code in codes]


HEADLINES = [
    Headline("searches", "Evidence searches", "1,284", "+12.0% vs 2023/24 (1,146)", "good",
             "Evidence searches rose 12% to 1,284.", "search", number=1284.0, unit="count"),
    Headline("exp_total", "Total expenditure", "£645,600", "−3.1% vs 2023/24 (£666,250)",
             "neutral", "Spend fell slightly.", "currency-pound", number=645600.0, unit="GBP"),
    Headline("qualified_ratio", "Qualified staff ratio", "1:1,680", "+2.9% vs 2023/24 (1:1,632)",
             "bad", "Further from the 1:1,250 benchmark.", "people"),
    Headline("trained_total", "People trained", "2,630", "", "neutral",
             "No earlier year to compare with."),
    Headline("impact_time_saved_pct", "Time saved", "82.3%", "+4.1 points vs 2023/24", "good",
             "Reported by respondents to the impact questionnaire."),
    Headline("eresource_sessions", "E-resource sessions", "65,800", "+8.0% vs 2023/24",
             "good", "Sessions on licensed e-resources."),
]


def make_snapshot(n_panels: int = 8, *, empty_panel: bool = False, logo=None) -> Snapshot:
    """Return a snapshot of an overview page with `n_panels` charted panels (at most 8, repeated
    beyond), and optionally a panel with nothing to draw."""
    base = make_panels()
    panels = []
    for i in range(n_panels):
        p = base[i % len(base)]
        if i >= len(base):
            p = SnapshotPanel(**{**p.__dict__, "key": f"{p.key}-{i}"})
        panels.append(p)
    if empty_panel:
        panels.append(SnapshotPanel(
            key="document-supply", title="Document supply, 2024/25", caption="",
            description="Items supplied to other libraries and received for users.",
            figure=None, table=pd.DataFrame(columns=["Measure", "Value"]),
            metrics=("docsupply_supplied", "docsupply_received"),
            empty_message="No document supply figures were reported for 2024/25."))
    state = {"version": 1, "page": "overview", "service": SERVICE_CODE, "from": "2024-04",
             "to": "2025-03", "granularity": "month", "categories": ["staffing", "finance"]}
    return Snapshot(
        title="Overview: 2024/25", page="overview",
        url="/?service=DEMO003&from=2024-04&to=2025-03&granularity=month",
        state=state, service_code=SERVICE_CODE, service_name=SERVICE_NAME,
        subtitle="Acute · North East and Yorkshire · 13,235 WTE served",
        period_label="Apr 2024 – Mar 2025",
        filters=(("Service", f"{SERVICE_NAME} ({SERVICE_CODE})"),
                 ("Period", "Apr 2024 – Mar 2025"), ("Group by", "Month"),
                 ("Categories", "Staffing, Finance"),
                 ("Peer group", "Acute trusts in the same region, size ≤ 15,000 WTE: 9 services")),
        headlines=list(HEADLINES), panels=panels,
        definitions=definitions_for(panels),
        messages=("The link asked for granularity 'weekly', which is not offered: showing "
                  "months.",),
        footnotes=("Quartiles by linear interpolation (Excel QUARTILE.INC).",
                   "Changes compare with the same months a year earlier."),
        source="Demo data (synthetic)", synthetic=True,
        data_as_of=dt.datetime(2025, 4, 14, 9, 30),
        generated=dt.datetime(2025, 5, 2, 16, 5),
        organisation="Hartwell Knowledge Services’ Board", logo=logo)


def make_empty_snapshot() -> Snapshot:
    """Return a snapshot of a view with nothing to show."""
    return Snapshot(
        title="Finance: 2024/25", page="finance", url="/finance?service=DEMO009",
        state={"version": 1, "page": "finance", "service": "DEMO009"},
        service_code="DEMO009", service_name="Empty Library Service",
        period_label="2024/25", filters=(("Service", "Empty Library Service (DEMO009)"),
                                         ("Period", "2024/25")),
        source="Demo data (synthetic)", synthetic=True, data_as_of=None,
        empty_message="No figures have been reported for this service in 2024/25.")
