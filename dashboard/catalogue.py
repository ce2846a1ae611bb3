"""Hold the metric catalogue: every stored and derived measure Shelfmark knows.

Stored metrics follow the NHS library and knowledge services national return and the
Statistics Toolbox supplementary dataset; US Public Libraries Survey (IMLS PLS) and Arts Council
England measures sit beside them so real returns load without schema changes. Derived metrics are
formulas over stored ones, computed on read and never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NHS_RETURN = "NHS England LKS national return / Statistics Toolbox supplementary dataset"
TOOLBOX = "Statistics Toolbox supplementary dataset"
IMPACT = "NHS LKS impact questionnaire (generic impact survey)"
IMLS = "IMLS Public Libraries Survey, administrative entity file"
ACE = "Arts Council England public libraries activity data"

NATIONAL_QUALIFIED_RATIO_BENCHMARK = 1250  # 1 qualified LKS WTE per 1,250 NHS WTE


@dataclass(frozen=True)
class MetricDef:
    """A stored measure: what it counts, its unit and how it aggregates over time."""

    code: str
    name: str
    category: str
    unit: str
    aggregation: str  # sum (flows), latest (stocks), mean (rates)
    higher_is_better: bool | None
    definition: str
    source: str
    sectors: tuple[str, ...] = ("nhs",)
    currency: str | None = None
    short: str = ""

    @property
    def derived(self) -> bool:
        return False

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass(frozen=True)
class DerivedDef:
    """A measure computed as sum(numerator) / sum(denominator) x scale, each over the period."""

    code: str
    name: str
    category: str
    unit: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    scale: float = 1.0
    higher_is_better: bool | None = None
    definition: str = ""
    display: str = "number"  # number | one_in_n (shown as 1:N)
    benchmark: float | None = None
    benchmark_label: str = ""
    sectors: tuple[str, ...] = ("nhs",)
    currency: str | None = None
    short: str = ""
    source: str = "Derived by Shelfmark"

    @property
    def derived(self) -> bool:
        return True

    @property
    def label(self) -> str:
        return self.short or self.name

    @property
    def aggregation(self) -> str:
        return "derived"

    def formula(self, names: dict[str, str]) -> str:
        """Describe the formula in words, using metric names."""
        top = " + ".join(names.get(c, c) for c in self.numerator)
        if len(self.numerator) > 1 and self.denominator:
            top = f"({top})"
        if not self.denominator:
            return top
        bottom = " + ".join(names.get(c, c) for c in self.denominator)
        if len(self.denominator) > 1:
            bottom = f"({bottom})"
        text = f"{top} ÷ {bottom}"
        if self.scale != 1:
            text += f" × {self.scale:,.0f}"
        return text


def _m(code, name, category, unit, aggregation, better, definition, source=NHS_RETURN, **kw):
    return MetricDef(code, name, category, unit, aggregation, better, definition, source, **kw)


_STAFF = "staffing"
_FIN = "finance"
_ACT = "activity"
_IMP = "impact"
_CTX = "context"
_PUB = ("public",)

STORED: tuple[MetricDef, ...] = (
    # --- NHS staffing (stocks: latest value in the period) ---
    _m("staff_total_wte", "Total LKS staff (WTE)", _STAFF, "wte", "latest", True,
       "Whole-time equivalent of all paid library and knowledge services staff at the end of the "
       "month, all Agenda for Change bands.", short="Total staff"),
    _m("staff_qualified_wte", "Qualified/professional staff, bands 5–8 (WTE)", _STAFF, "wte",
       "latest", True,
       "Whole-time equivalent of professional LKS staff in Agenda for Change bands 5 to 8 "
       "(librarians, knowledge specialists, managers).", short="Qualified staff (bands 5–8)"),
    _m("staff_para_wte", "Para-professional staff, bands 1–4 (WTE)", _STAFF, "wte", "latest",
       True, "Whole-time equivalent of library assistants and other LKS staff in bands 1 to 4.",
       short="Para-professional staff (bands 1–4)"),
    _m("staff_headcount", "LKS staff headcount", _STAFF, "headcount", "latest", True,
       "Number of people employed by the LKS, whatever their hours.", short="Headcount"),
    _m("staff_vacancies_wte", "Vacant posts (WTE)", _STAFF, "wte", "latest", False,
       "Whole-time equivalent of funded LKS posts that were vacant at the end of the month.",
       short="Vacancies"),
    # --- NHS finance (flows: summed over the period) ---
    _m("income_organisation", "Income: host organisation funding", _FIN, "currency", "sum", True,
       "Core funding from the host NHS organisation(s).", TOOLBOX, currency="GBP",
       short="Host organisation"),
    _m("income_national", "Income: NHS England (WT&E) funding", _FIN, "currency", "sum", True,
       "Funding from NHS England Workforce, Training and Education (formerly HEE), including the "
       "library element of education contracts.", TOOLBOX, currency="GBP", short="NHS England"),
    _m("income_other", "Income: other sources", _FIN, "currency", "sum", True,
       "Income generated or received from other sources: universities, charities, services sold.",
       TOOLBOX, currency="GBP", short="Other income"),
    _m("exp_staff", "Expenditure: staff", _FIN, "currency", "sum", None,
       "Pay costs of LKS staff, including on-costs.", TOOLBOX, currency="GBP", short="Staff"),
    _m("exp_eresources", "Expenditure: e-resources", _FIN, "currency", "sum", None,
       "Spend on electronic journals, books, databases and other licensed content.", TOOLBOX,
       currency="GBP", short="E-resources"),
    _m("exp_print", "Expenditure: print resources", _FIN, "currency", "sum", None,
       "Spend on printed books, journals and other physical stock.", TOOLBOX, currency="GBP",
       short="Print"),
    _m("exp_document_supply", "Expenditure: document supply", _FIN, "currency", "sum", None,
       "Spend on obtaining articles and loans from other libraries and suppliers.", TOOLBOX,
       currency="GBP", short="Document supply"),
    _m("exp_other", "Expenditure: other", _FIN, "currency", "sum", None,
       "All other LKS spend: equipment, training, travel, systems.", TOOLBOX, currency="GBP",
       short="Other"),
    # --- NHS activity ---
    _m("registered_users", "Registered users", _ACT, "count", "latest", True,
       "People registered to use the library and knowledge service at the end of the month."),
    _m("potential_users", "Potential users (organisation WTE)", _ACT, "wte", "latest", None,
       "Whole-time equivalent staff of the organisation(s) the LKS serves: its potential users.",
       short="Potential users"),
    _m("enquiries_procedural", "Enquiries: procedural/directional", _ACT, "count", "sum", True,
       "Quick enquiries about the service: opening hours, finding items, passwords, directions.",
       short="Procedural/directional"),
    _m("enquiries_information", "Enquiries: information", _ACT, "count", "sum", True,
       "Enquiries needing LKS knowledge or a source to answer, short of a full literature search.",
       short="Information"),
    _m("searches", "Literature/evidence searches", _ACT, "count", "sum", True,
       "Mediated literature or evidence searches completed for users.", short="Evidence searches"),
    _m("trained_user_education", "People trained: user education", _ACT, "count", "sum", True,
       "Attendances at LKS training in information skills, search and critical appraisal.",
       short="User education"),
    _m("trained_induction", "People trained: induction", _ACT, "count", "sum", True,
       "Attendances at LKS inductions and orientation sessions.", short="Induction"),
    _m("trained_medical", "People trained: medical and dental staff", _ACT, "count", "sum", True,
       "People trained (user education plus induction) who are medical or dental staff.",
       short="Medical and dental"),
    _m("trained_nursing", "People trained: nursing and midwifery staff", _ACT, "count", "sum",
       True, "People trained (user education plus induction) who are nurses or midwives.",
       short="Nursing and midwifery"),
    _m("trained_ahp", "People trained: allied health professionals", _ACT, "count", "sum", True,
       "People trained (user education plus induction) who are allied health professionals.",
       short="Allied health professionals"),
    _m("trained_other_staff", "People trained: other staff and students", _ACT, "count", "sum",
       True, "People trained who are in other staff groups, or students on placement.",
       short="Other staff and students"),
    _m("training_hours", "Training hours delivered", _ACT, "hours", "sum", True,
       "Hours of LKS training delivered (session length, not multiplied by attendees)."),
    _m("docsupply_supplied", "Document supply: items supplied", _ACT, "count", "sum", True,
       "Articles and loans supplied to other libraries.", short="Supplied to others"),
    _m("docsupply_received", "Document supply: items received", _ACT, "count", "sum", True,
       "Articles and loans obtained from other libraries or suppliers for users.",
       short="Received for users"),
    _m("loans", "Loans", _ACT, "count", "sum", True,
       "Items lent (including renewals) to users.", sectors=("nhs", "academic", "public")),
    _m("current_awareness_recipients", "Current awareness recipients", _ACT, "count", "latest",
       True, "People receiving an LKS current awareness bulletin or alert at the end of the month.",
       short="Current awareness"),
    _m("openathens_active", "Active OpenAthens users", _ACT, "count", "latest", True,
       "OpenAthens accounts used at least once in the past 12 months, at the end of the month.",
       short="Active OpenAthens"),
    _m("eresource_sessions", "E-resource sessions", _ACT, "count", "sum", True,
       "Sessions on licensed e-resources (COUNTER or OpenAthens sessions)."),
    _m("visits", "Visits", _ACT, "count", "sum", True,
       "Physical visits to library premises (door count). For English public libraries (Arts "
       "Council England) also mobile-library and home-delivery visits.",
       sectors=("nhs", "academic", "public")),
    _m("outreach_events", "Outreach events", _ACT, "count", "sum", True,
       "Outreach, promotion and engagement events held beyond the library."),
    # --- NHS impact ---
    _m("impact_responses", "Impact questionnaire responses", _IMP, "count", "sum", True,
       "Completed LKS impact questionnaires received.", IMPACT, short="Responses"),
    _m("impact_patient_care", "Respondents reporting impact on patient care", _IMP, "count",
       "sum", True, "Impact questionnaire respondents reporting a direct or expected impact on "
       "patient care.", IMPACT, short="Impact on patient care"),
    _m("impact_decision_making", "Respondents reporting better decision making", _IMP, "count",
       "sum", True, "Respondents reporting better informed decision making.", IMPACT,
       short="Better decision making"),
    _m("impact_time_saved", "Respondents reporting time saved", _IMP, "count", "sum", True,
       "Respondents reporting that the service saved them time.", IMPACT, short="Time saved"),
    _m("impact_learning", "Respondents reporting impact on learning and CPD", _IMP, "count",
       "sum", True, "Respondents reporting an impact on personal learning or CPD.", IMPACT,
       short="Learning and CPD"),
    # --- US Public Libraries Survey (IMLS PLS) ---
    _m("pls_population_lsa", "Population of legal service area", _CTX, "count", "latest", None,
       "Population of the library system's legal service area (POPU_LSA).", IMLS, sectors=_PUB,
       short="Population served"),
    _m("pls_librarians_fte", "Librarians (FTE)", _STAFF, "wte", "latest", True,
       "Paid FTE employees with the title librarian (LIBRARIA).", IMLS, sectors=_PUB),
    _m("pls_mls_librarians_fte", "Librarians with ALA-accredited MLS (FTE)", _STAFF, "wte",
       "latest", True, "Paid FTE librarians holding an ALA-accredited master's degree (MASTER).",
       IMLS, sectors=_PUB, short="MLS librarians"),
    _m("pls_other_staff_fte", "Other paid staff (FTE)", _STAFF, "wte", "latest", True,
       "All other paid FTE employees (OTHPAID).", IMLS, sectors=_PUB, short="Other staff"),
    _m("pls_total_staff_fte", "Total paid staff (FTE)", _STAFF, "wte", "latest", True,
       "Total paid FTE employees (TOTSTAFF).", IMLS, sectors=_PUB, short="Total staff"),
    _m("pls_income_local", "Income: local government", _FIN, "currency", "sum", True,
       "Operating revenue from local government (LOCGVT).", IMLS, sectors=_PUB, currency="USD",
       short="Local government"),
    _m("pls_income_state", "Income: state government", _FIN, "currency", "sum", True,
       "Operating revenue from state government (STGVT).", IMLS, sectors=_PUB, currency="USD",
       short="State government"),
    _m("pls_income_federal", "Income: federal government", _FIN, "currency", "sum", True,
       "Operating revenue from the federal government (FEDGVT).", IMLS, sectors=_PUB,
       currency="USD", short="Federal government"),
    _m("pls_income_other", "Income: other sources", _FIN, "currency", "sum", True,
       "Other operating revenue: fines, fees, donations, grants (OTHINCM).", IMLS, sectors=_PUB,
       currency="USD", short="Other"),
    _m("pls_income_total", "Total operating revenue", _FIN, "currency", "sum", True,
       "Total operating revenue (TOTINCM).", IMLS, sectors=_PUB, currency="USD",
       short="Total income"),
    _m("pls_exp_salaries", "Expenditure: salaries and wages", _FIN, "currency", "sum", None,
       "Salaries and wages of all library staff (SALARIES).", IMLS, sectors=_PUB,
       currency="USD", short="Salaries"),
    _m("pls_exp_benefits", "Expenditure: employee benefits", _FIN, "currency", "sum", None,
       "Employee benefits (BENEFIT).", IMLS, sectors=_PUB, currency="USD", short="Benefits"),
    _m("pls_exp_staff", "Expenditure: total staff", _FIN, "currency", "sum", None,
       "Total staff expenditure, salaries plus benefits (STAFFEXP).", IMLS, sectors=_PUB,
       currency="USD", short="Staff"),
    _m("pls_exp_print", "Expenditure: print materials", _FIN, "currency", "sum", None,
       "Spend on print materials (PRMATEXP).", IMLS, sectors=_PUB, currency="USD",
       short="Print materials"),
    _m("pls_exp_electronic", "Expenditure: electronic materials", _FIN, "currency", "sum", None,
       "Spend on electronic materials (ELMATEXP).", IMLS, sectors=_PUB, currency="USD",
       short="Electronic materials"),
    _m("pls_exp_other_materials", "Expenditure: other materials", _FIN, "currency", "sum", None,
       "Spend on other collection materials (OTHMATEX).", IMLS, sectors=_PUB, currency="USD",
       short="Other materials"),
    _m("pls_exp_collection", "Expenditure: total collection", _FIN, "currency", "sum", None,
       "Total collection expenditure (TOTEXPCO).", IMLS, sectors=_PUB, currency="USD",
       short="Collection"),
    _m("pls_exp_other_operating", "Expenditure: other operating", _FIN, "currency", "sum", None,
       "Other operating expenditure (OTHOPEXP).", IMLS, sectors=_PUB, currency="USD",
       short="Other operating"),
    _m("pls_exp_total_operating", "Total operating expenditure", _FIN, "currency", "sum", None,
       "Total operating expenditure (TOTOPEXP).", IMLS, sectors=_PUB, currency="USD",
       short="Total expenditure"),
    _m("pls_circulation", "Total circulation", _ACT, "count", "sum", True,
       "Total circulation of all materials (TOTCIR).", IMLS, sectors=_PUB, short="Circulation"),
    _m("pls_kids_circulation", "Children's circulation", _ACT, "count", "sum", True,
       "Circulation of children's materials (KIDCIRCL).", IMLS, sectors=_PUB,
       short="Children's circulation"),
    _m("pls_ill_provided", "Interlibrary loans provided", _ACT, "count", "sum", True,
       "Interlibrary loans provided to other libraries (LOANTO).", IMLS, sectors=_PUB,
       short="ILL provided"),
    _m("pls_ill_received", "Interlibrary loans received", _ACT, "count", "sum", True,
       "Interlibrary loans received from other libraries (LOANFM).", IMLS, sectors=_PUB,
       short="ILL received"),
    _m("pls_programmes", "Programmes", _ACT, "count", "sum", True,
       "Total library programmes offered (TOTPRO).", IMLS, sectors=_PUB),
    _m("pls_programme_attendance", "Programme attendance", _ACT, "count", "sum", True,
       "Total attendance at library programmes (TOTATTEN).", IMLS, sectors=_PUB,
       short="Attendance"),
    _m("pls_reference", "Reference transactions", _ACT, "count", "sum", True,
       "Reference transactions (REFERENC).", IMLS, sectors=_PUB),
    _m("pls_registered_borrowers", "Registered borrowers", _ACT, "count", "latest", True,
       "Registered library users (REGBOR).", IMLS, sectors=_PUB, short="Registered borrowers"),
    _m("pls_public_computers", "Public internet computers", _ACT, "count", "latest", True,
       "Internet computers used by the public (GPTERMS).", IMLS, sectors=_PUB,
       short="Public computers"),
    _m("pls_computer_sessions", "Public computer uses", _ACT, "count", "sum", True,
       "Uses of public internet computers (PITUSR).", IMLS, sectors=_PUB,
       short="Computer uses"),
    _m("pls_wifi_sessions", "Wi-Fi sessions", _ACT, "count", "sum", True,
       "Wireless internet sessions (WIFISESS).", IMLS, sectors=_PUB),
    # --- Arts Council England activity (quarterly) ---
    _m("ace_active_users", "Active library users", _ACT, "count", "latest", True,
       "People who used a library service at least once in the last 12 months.", ACE,
       sectors=_PUB, short="Active users"),
    _m("ace_events", "Events", _ACT, "count", "sum", True,
       "Events and activities held by the library service.", ACE, sectors=_PUB),
    _m("ace_event_attendance", "Event attendance", _ACT, "count", "sum", True,
       "Attendances at library events and activities.", ACE, sectors=_PUB),
    _m("ace_computer_hours", "Public computer hours used", _ACT, "hours", "sum", True,
       "Hours of public computer use.", ACE, sectors=_PUB, short="Computer hours"),
    _m("ace_wifi_sessions", "Wi-Fi sessions", _ACT, "count", "sum", True,
       "Public Wi-Fi sessions.", ACE, sectors=_PUB, short="Wi-Fi sessions"),
    _m("ace_click_and_collect", "Click and collect orders", _ACT, "count", "sum", True,
       "Items ordered online for collection.", ACE, sectors=_PUB, short="Click and collect"),
)

_INCOME = ("income_organisation", "income_national", "income_other")
_EXPENDITURE = ("exp_staff", "exp_eresources", "exp_print", "exp_document_supply", "exp_other")
_ENQUIRIES = ("enquiries_procedural", "enquiries_information")
_TRAINED = ("trained_user_education", "trained_induction")

DERIVED: tuple[DerivedDef, ...] = (
    DerivedDef("income_total", "Total income", _FIN, "currency", _INCOME,
               higher_is_better=True, currency="GBP",
               definition="Income from all sources."),
    DerivedDef("exp_total", "Total expenditure", _FIN, "currency", _EXPENDITURE,
               currency="GBP", definition="Expenditure on staff, e-resources, print, document "
               "supply and other items."),
    DerivedDef("enquiries_total", "Enquiries (all)", _ACT, "count", _ENQUIRIES,
               higher_is_better=True, short="Enquiries",
               definition="Procedural/directional plus information enquiries."),
    DerivedDef("trained_total", "People trained", _ACT, "count", _TRAINED,
               higher_is_better=True,
               definition="User education plus induction attendances."),
    *(
        DerivedDef(f"impact_{key}_pct", f"Reported {what} (% of respondents)", _IMP, "percent",
                   (f"impact_{key}",), ("impact_responses",), scale=100.0,
                   higher_is_better=True, short=short, source=IMPACT,
                   definition=f"Share of impact questionnaire respondents reporting {what}: "
                   "respondents reporting it divided by all responses in the period.")
        for key, what, short in (
            ("patient_care", "impact on patient care", "Patient care"),
            ("decision_making", "better informed decision making", "Decision making"),
            ("time_saved", "time saved", "Time saved"),
            ("learning", "impact on learning and CPD", "Learning and CPD"),
        )
    ),
    DerivedDef("qualified_ratio", "Qualified staff ratio (1:N)", _STAFF, "wte",
               ("potential_users",), ("staff_qualified_wte",), higher_is_better=False,
               display="one_in_n", benchmark=NATIONAL_QUALIFIED_RATIO_BENCHMARK,
               benchmark_label="national benchmark 1:1,250", short="Qualified staff ratio",
               definition="Organisation WTE served per qualified (bands 5–8) LKS WTE, shown as "
               "1:N. Smaller N is better; the national benchmark is 1 qualified LKS WTE per 1,250 "
               "NHS WTE."),
    DerivedDef("registered_pct", "Registered users (% of potential users)", _ACT, "percent",
               ("registered_users",), ("potential_users",), scale=100.0, higher_is_better=True,
               short="Registered users (% of potential)",
               definition="Registered users as a percentage of the organisation's WTE."),
    DerivedDef("cost_per_search", "Cost per evidence search", _FIN, "currency",
               _EXPENDITURE, ("searches",), higher_is_better=False, currency="GBP",
               definition="Total LKS expenditure divided by literature/evidence searches. A "
               "crude unit cost: the LKS does much more than searches."),
    DerivedDef("searches_per_1000", "Evidence searches per 1,000 WTE served", _ACT, "count",
               ("searches",), ("potential_users",), scale=1000.0, higher_is_better=True,
               short="Searches per 1,000 WTE",
               definition="Literature/evidence searches per 1,000 organisation WTE."),
    DerivedDef("enquiries_per_1000", "Enquiries per 1,000 WTE served", _ACT, "count",
               _ENQUIRIES, ("potential_users",), scale=1000.0, higher_is_better=True,
               short="Enquiries per 1,000 WTE",
               definition="All enquiries per 1,000 organisation WTE."),
    DerivedDef("trained_per_1000", "People trained per 1,000 WTE served", _ACT, "count",
               _TRAINED, ("potential_users",), scale=1000.0, higher_is_better=True,
               short="Trained per 1,000 WTE",
               definition="People trained (user education plus induction) per 1,000 "
               "organisation WTE."),
    DerivedDef("sessions_per_1000", "E-resource sessions per 1,000 WTE served", _ACT, "count",
               ("eresource_sessions",), ("potential_users",), scale=1000.0,
               higher_is_better=True, short="E-resource sessions per 1,000 WTE",
               definition="E-resource sessions per 1,000 organisation WTE."),
    DerivedDef("exp_per_wte_served", "Expenditure per WTE served", _FIN, "currency",
               _EXPENDITURE, ("potential_users",), higher_is_better=None, currency="GBP",
               definition="Total LKS expenditure divided by organisation WTE served."),
    DerivedDef("pls_visits_per_capita", "Visits per capita", _ACT, "count", ("visits",),
               ("pls_population_lsa",), sectors=_PUB, higher_is_better=True,
               source="Derived from the IMLS Public Libraries Survey",
               definition="Library visits per person in the legal service area."),
    DerivedDef("pls_circulation_per_capita", "Circulation per capita", _ACT, "count",
               ("pls_circulation",), ("pls_population_lsa",), sectors=_PUB,
               higher_is_better=True, source="Derived from the IMLS Public Libraries Survey",
               definition="Total circulation per person in the legal service area."),
    DerivedDef("pls_exp_per_capita", "Operating expenditure per capita", _FIN, "currency",
               ("pls_exp_total_operating",), ("pls_population_lsa",), sectors=_PUB,
               currency="USD", source="Derived from the IMLS Public Libraries Survey",
               definition="Total operating expenditure per person in the legal service area."),
)


@dataclass(frozen=True)
class Catalogue:
    """Look up stored and derived metrics by code."""

    stored: tuple[MetricDef, ...] = STORED
    derived: tuple[DerivedDef, ...] = DERIVED
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        index = {m.code: m for m in (*self.stored, *self.derived)}
        if len(index) != len(self.stored) + len(self.derived):
            raise ValueError("metric codes must be unique across the catalogue")
        for d in self.derived:
            for code in (*d.numerator, *d.denominator):
                if code not in index or index[code].derived:
                    raise ValueError(f"{d.code} refers to {code}, which is not a stored metric")
        object.__setattr__(self, "_index", index)

    def __getitem__(self, code: str) -> MetricDef | DerivedDef:
        return self._index[code]

    def __contains__(self, code: str) -> bool:
        return code in self._index

    def get(self, code: str):
        return self._index.get(code)

    def all(self) -> tuple[MetricDef | DerivedDef, ...]:
        return (*self.stored, *self.derived)

    def stored_codes_for(self, codes) -> list[str]:
        """Return the stored metric codes needed to compute the given metrics."""
        needed: list[str] = []
        for code in codes:
            metric = self[code]
            parts = (*metric.numerator, *metric.denominator) if metric.derived else (code,)
            for part in parts:
                if part not in needed:
                    needed.append(part)
        return needed

    def names(self) -> dict[str, str]:
        return {m.code: m.name for m in self.all()}

    def for_sector(self, sector: str) -> list[MetricDef | DerivedDef]:
        return [m for m in self.all() if sector in m.sectors]


CATALOGUE = Catalogue()
