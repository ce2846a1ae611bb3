"""The metric catalogue covers the national return, the toolbox dataset and the IMLS survey."""

import pytest

from dashboard.catalogue import CATALOGUE, STORED, Catalogue, DerivedDef
from dashboard.db.models import AGGREGATIONS, CATEGORIES, UNITS

REQUIRED = [
    # staffing
    "staff_total_wte", "staff_qualified_wte", "staff_para_wte", "staff_headcount",
    "staff_vacancies_wte",
    # finance
    "income_organisation", "income_national", "income_other", "exp_staff", "exp_eresources",
    "exp_print", "exp_document_supply", "exp_other", "exp_total",
    # activity
    "registered_users", "potential_users", "enquiries_procedural", "enquiries_information",
    "searches", "trained_user_education", "trained_induction", "trained_total",
    "training_hours", "docsupply_supplied", "docsupply_received", "loans",
    "current_awareness_recipients", "openathens_active", "eresource_sessions", "visits",
    "outreach_events",
    # impact
    "impact_responses", "impact_patient_care_pct", "impact_decision_making_pct",
    "impact_time_saved_pct", "impact_learning_pct",
    # derived
    "qualified_ratio", "registered_pct", "cost_per_search", "searches_per_1000",
    "exp_per_wte_served",
    # US Public Libraries Survey
    "pls_circulation", "pls_programmes", "pls_programme_attendance", "pls_reference",
    "pls_registered_borrowers", "pls_total_staff_fte", "pls_librarians_fte",
    "pls_income_total", "pls_exp_total_operating", "pls_exp_collection",
]


@pytest.mark.parametrize("code", REQUIRED)
def test_required_metric_present(code):
    assert code in CATALOGUE


def test_every_metric_is_complete():
    for metric in CATALOGUE.all():
        assert metric.category in CATEGORIES, metric.code
        assert metric.unit in UNITS, metric.code
        assert metric.definition and metric.source, metric.code
        if not metric.derived:
            assert metric.aggregation in AGGREGATIONS, metric.code
        if metric.unit == "currency":
            assert metric.currency in ("GBP", "USD"), metric.code


def test_aggregation_rules():
    assert CATALOGUE["searches"].aggregation == "sum"
    assert CATALOGUE["staff_total_wte"].aggregation == "latest"
    assert CATALOGUE["registered_users"].aggregation == "latest"
    assert CATALOGUE["impact_patient_care"].aggregation == "sum"
    assert CATALOGUE["impact_patient_care_pct"].derived


def test_qualified_ratio_benchmark():
    ratio = CATALOGUE["qualified_ratio"]
    assert ratio.benchmark == 1250 and ratio.display == "one_in_n"
    assert ratio.higher_is_better is False
    assert ratio.formula(CATALOGUE.names()) == (
        "Potential users (organisation WTE) ÷ Qualified/professional staff, bands 5–8 (WTE)")


def test_stored_codes_for_expands_derived():
    assert CATALOGUE.stored_codes_for(["cost_per_search", "searches"]) == [
        "exp_staff", "exp_eresources", "exp_print", "exp_document_supply", "exp_other",
        "searches"]


def test_bad_derived_definition_is_rejected():
    bad = DerivedDef("broken", "Broken", "activity", "count", ("no_such_metric",))
    with pytest.raises(ValueError, match="no_such_metric"):
        Catalogue(STORED, (bad,))


def test_codes_unique():
    with pytest.raises(ValueError, match="unique"):
        Catalogue(STORED + STORED[:1], ())
