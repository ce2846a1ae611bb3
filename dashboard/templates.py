"""Say which headline KPIs and panels each dashboard page has (Statistics Toolbox templates).

A page is a `PageSpec`: its headline KPIs and its `Panel`s, per sector (NHS templates serve
other sectors too). `dashboard.views` assembles a page's data from its template.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    """One chart on a page: a trend over time or a breakdown of the period's total."""

    key: str
    kind: str  # trend | stacked | breakdown | shares | ratio
    title: str
    metrics: tuple[str, ...]
    category: str
    description: str = ""
    parts_of_whole: bool = False  # breakdowns: show each part's share of the total
    min_granularity: str = "month"  # trends: the finest grouping worth showing


@dataclass(frozen=True)
class PageSpec:
    """A dashboard page: its headline KPIs and panels, per the Statistics Toolbox template."""

    key: str
    title: str
    path: str
    category: str | None
    intro: str
    kpis: tuple[str, ...]
    panels: tuple[Panel, ...]


def _nhs_pages() -> dict[str, PageSpec]:
    staff_band = Panel("staff-by-band", "breakdown", "Staff by band", (
        "staff_qualified_wte", "staff_para_wte"), "staffing",
        "WTE at the end of the period, professional (bands 5–8) and para-professional (1–4).",
        parts_of_whole=True)
    spend_by_cat = Panel("expenditure-by-category", "breakdown", "Expenditure by category", (
        "exp_staff", "exp_eresources", "exp_print", "exp_document_supply", "exp_other"),
        "finance", "Spend in the period by category, with each category's share of the total.",
        parts_of_whole=True)
    enquiries_by_type = Panel("enquiries-by-type", "breakdown", "Enquiries by type", (
        "enquiries_procedural", "enquiries_information"), "activity",
        "Enquiries answered in the period, with each type's share of all enquiries.",
        parts_of_whole=True)
    training_by_group = Panel(
        "training-by-staff-group", "breakdown", "People trained by staff group", (
            "trained_medical", "trained_nursing", "trained_ahp", "trained_other_staff"),
        "activity", "Attendances at user education and induction, by the learner's staff group.",
        parts_of_whole=True)
    impact_shares = Panel("impact-shares", "shares", "Reported impact", (
        "impact_patient_care_pct", "impact_decision_making_pct", "impact_time_saved_pct",
        "impact_learning_pct"), "impact",
        "Share of impact questionnaire respondents reporting each kind of impact.")
    activity_trend = Panel("activity-trend", "trend", "Evidence searches and training", (
        "searches", "trained_total"), "activity",
        "Literature/evidence searches completed and people trained (user education plus "
        "induction).")
    enquiries_trend = Panel("enquiries-trend", "stacked", "Enquiries", (
        "enquiries_procedural", "enquiries_information"), "activity",
        "Enquiries per period, stacked by type.")
    return {
        "overview": PageSpec(
            "overview", "Overview", "/", None,
            "Headline figures for the service, against the same period a year earlier.",
            ("staff_total_wte", "qualified_ratio", "exp_total", "cost_per_search", "searches",
             "enquiries_total", "trained_total", "registered_pct", "eresource_sessions",
             "impact_patient_care_pct"),
            (activity_trend, staff_band, spend_by_cat, enquiries_by_type, impact_shares),
        ),
        "staffing": PageSpec(
            "staffing", "Staffing", "/staffing", "staffing",
            "Who runs the service: staff in post by band, vacancies and the qualified staff "
            "ratio against the national benchmark.",
            ("staff_total_wte", "staff_qualified_wte", "staff_para_wte", "staff_headcount",
             "staff_vacancies_wte", "qualified_ratio"),
            (
                Panel("staff-trend", "stacked", "Staff in post by band", (
                    "staff_qualified_wte", "staff_para_wte"), "staffing",
                    "WTE in post, professional and para-professional."),
                Panel("qualified-ratio-trend", "ratio", "Qualified staff ratio", (
                    "qualified_ratio",), "staffing",
                    "Organisation WTE served per qualified LKS WTE. Lower is better; the dashed "
                    "line is the national benchmark of 1:1,250."),
                staff_band,
                Panel("vacancies-trend", "trend", "Vacancies", ("staff_vacancies_wte",),
                      "staffing", "Vacant funded posts, WTE."),
            ),
        ),
        "finance": PageSpec(
            "finance", "Finance", "/finance", "finance",
            "Where the money comes from and where it goes, and what it buys.",
            ("exp_total", "income_total", "exp_staff", "exp_eresources", "cost_per_search",
             "exp_per_wte_served"),
            (
                Panel("expenditure-trend", "stacked", "Expenditure by category", (
                    "exp_staff", "exp_eresources", "exp_print", "exp_document_supply",
                    "exp_other"), "finance", "Spend per period, stacked by category."),
                spend_by_cat,
                Panel("income-by-source", "breakdown", "Income by source", (
                    "income_organisation", "income_national", "income_other"), "finance",
                    "Income in the period by source.", parts_of_whole=True),
                Panel("income-vs-expenditure", "trend", "Income and expenditure", (
                    "income_total", "exp_total"), "finance",
                    "Total income against total expenditure per period."),
            ),
        ),
        "activity": PageSpec(
            "activity", "Activity", "/activity", "activity",
            "What the service does: enquiries, searches, training, document supply and use "
            "of resources.",
            ("registered_users", "registered_pct", "enquiries_total", "searches", "trained_total",
             "eresource_sessions", "openathens_active", "docsupply_received"),
            (
                activity_trend,
                enquiries_trend,
                enquiries_by_type,
                training_by_group,
                Panel("training-by-type", "breakdown", "People trained by type", (
                    "trained_user_education", "trained_induction"), "activity",
                    "User education and induction attendances.", parts_of_whole=True),
                Panel("document-supply", "breakdown", "Document supply", (
                    "docsupply_supplied", "docsupply_received"), "activity",
                    "Items supplied to other libraries and received for users."),
                Panel("activity-per-1000", "breakdown", "Activity per 1,000 WTE served", (
                    "searches_per_1000", "enquiries_per_1000", "trained_per_1000"), "activity",
                    "Activity scaled by the size of the organisation served."),
                Panel("eresources-trend", "trend", "E-resource use", (
                    "eresource_sessions",), "activity", "Sessions on licensed e-resources."),
            ),
        ),
        "impact": PageSpec(
            "impact", "Impact", "/impact", "impact",
            "What difference the service makes, from the impact questionnaire.",
            ("impact_responses", "impact_patient_care_pct", "impact_decision_making_pct",
             "impact_time_saved_pct", "impact_learning_pct"),
            (
                impact_shares,
                Panel("impact-trend", "trend", "Reported impact over time", (
                    "impact_patient_care_pct", "impact_decision_making_pct",
                    "impact_time_saved_pct", "impact_learning_pct"), "impact",
                    "Share of respondents reporting each impact, per period.",
                    min_granularity="quarter"),
                Panel("responses-trend", "trend", "Questionnaire responses", (
                    "impact_responses",), "impact", "Completed impact questionnaires."),
            ),
        ),
    }


def _public_pages() -> dict[str, PageSpec]:
    return {
        "overview": PageSpec(
            "overview", "Overview", "/", None,
            "Headline figures for the library system, against the year before.",
            ("pls_total_staff_fte", "pls_exp_total_operating", "visits", "pls_circulation",
             "loans", "ace_active_users", "pls_programme_attendance", "ace_events",
             "pls_visits_per_capita"),
            (
                Panel("visits-trend", "trend", "Visits and loans", (
                    "visits", "pls_circulation", "loans"), "activity",
                    "Visits to libraries and items lent."),
                Panel("pls-exp-by-category", "breakdown", "Operating expenditure", (
                    "pls_exp_staff", "pls_exp_collection", "pls_exp_other_operating"),
                    "finance", "Operating expenditure by category.", parts_of_whole=True),
                Panel("pls-income-by-source", "breakdown", "Income by source", (
                    "pls_income_local", "pls_income_state", "pls_income_federal",
                    "pls_income_other"), "finance", "Operating revenue by source.", parts_of_whole=True),
            ),
        ),
        "staffing": PageSpec(
            "staffing", "Staffing", "/staffing", "staffing", "Paid staff (FTE).",
            ("pls_total_staff_fte", "pls_librarians_fte", "pls_mls_librarians_fte",
             "pls_other_staff_fte"),
            (Panel("pls-staff", "breakdown", "Staff by type", (
                "pls_librarians_fte", "pls_other_staff_fte"), "staffing", "Paid FTE staff.", parts_of_whole=True),),
        ),
        "finance": PageSpec(
            "finance", "Finance", "/finance", "finance", "Operating revenue and expenditure.",
            ("pls_income_total", "pls_exp_total_operating", "pls_exp_collection",
             "pls_exp_per_capita"),
            (
                Panel("pls-income-by-source", "breakdown", "Income by source", (
                    "pls_income_local", "pls_income_state", "pls_income_federal",
                    "pls_income_other"), "finance", "Operating revenue by source.", parts_of_whole=True),
                Panel("pls-collection", "breakdown", "Collection expenditure", (
                    "pls_exp_print", "pls_exp_electronic", "pls_exp_other_materials"),
                    "finance", "Spend on collections by format.", parts_of_whole=True),
            ),
        ),
        "activity": PageSpec(
            "activity", "Activity", "/activity", "activity", "Use of the library system.",
            ("visits", "pls_circulation", "loans", "pls_reference", "pls_registered_borrowers",
             "ace_active_users", "pls_programmes", "ace_events", "pls_programme_attendance",
             "ace_event_attendance"),
            (
                Panel("pls-use", "breakdown", "Use of the library", (
                    "visits", "pls_circulation", "pls_reference", "pls_computer_sessions"),
                    "activity", "Visits, loans, reference and computer use."),
                Panel("ace-use-trend", "trend", "Visits and loans", ("visits", "loans"),
                      "activity", "Visits to libraries and items lent, over time."),
                Panel("ace-events-trend", "trend", "Events and attendance", (
                    "ace_events", "ace_event_attendance"), "activity",
                    "Events and activities held, and attendances at them."),
                Panel("ace-digital-trend", "trend", "Public computer hours", (
                    "ace_computer_hours",), "activity", "Hours of public computer use."),
                Panel("ace-wifi-trend", "trend", "Wi-Fi sessions", ("ace_wifi_sessions",),
                      "activity", "Public Wi-Fi sessions."),
                Panel("pls-ill", "breakdown", "Interlibrary loans", (
                    "pls_ill_provided", "pls_ill_received"), "activity",
                    "Items provided to and received from other libraries."),
            ),
        ),
        "impact": PageSpec(
            "impact", "Impact", "/impact", "impact",
            "The Public Libraries Survey collects no impact measures.", (), (),
        ),
    }


PAGES_BY_SECTOR: dict[str, dict[str, PageSpec]] = {
    "nhs": _nhs_pages(),
    "public": _public_pages(),
}
PAGE_ORDER = ("overview", "staffing", "finance", "activity", "impact")
# The executive view: a handful of headline figures for a board paper (no panels of its own;
# dashboard.executive adds targets, peers and captions). Not in the navigation's page order.
EXECUTIVE_KPIS = {
    "nhs": ("searches", "enquiries_total", "trained_total", "eresource_sessions",
            "registered_pct", "impact_patient_care_pct", "exp_total", "qualified_ratio"),
    "public": ("visits", "pls_circulation", "loans", "pls_programme_attendance",
               "pls_registered_borrowers", "ace_active_users", "pls_exp_total_operating",
               "pls_total_staff_fte"),
}
for _sector, _codes in EXECUTIVE_KPIS.items():
    PAGES_BY_SECTOR[_sector]["executive"] = PageSpec(
        "executive", "Executive summary", "/executive", None,
        "The headline figures for a board paper: each against last year, its target and "
        "similar services.", _codes, ())


def page_spec(page_key: str, sector: str | None) -> PageSpec:
    """Return the page template for a sector (NHS templates serve other sectors too)."""
    pages = PAGES_BY_SECTOR.get(sector or "nhs", PAGES_BY_SECTOR["nhs"])
    return pages[page_key]

