"""Generate deterministic, clearly synthetic NHS library activity data for demos and benchmarks.

Levels are anchored on published national figures for NHS library and knowledge services in
England: about 1 qualified LKS WTE per 1,730 NHS WTE against a 1:1,250 benchmark, and about 1,000
LKS WTE across some 200 services. Every service and trust name is invented.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .catalogue import STORED
from .db import Database, Viewer
from .db.bulk import ObservationRow
from .db.models import NHS_ORG_TYPES
from .db.seeding import source_exists, write_source
from .periods import add_months
from .settings import load_config

GENERATOR_VERSION = 2  # 2: impact questionnaire counts instead of percentages

DEMO_SOURCE_CODE = "demo-nhs"
DEMO_SOURCE_NAME = "Demo data (synthetic)"
DEMO_SOURCE_DESCRIPTION = (
    "Generated, fictional data for demonstration only: the services, trusts and figures are "
    "invented by Shelfmark's seeded generator. Levels are anchored on published national figures "
    "for NHS library and knowledge services in England (about 1 qualified LKS WTE per 1,730 NHS "
    "WTE, about 1,000 LKS WTE in total) so that charts look realistic."
)
BENCH_SOURCE_CODE = "bench-synthetic"
BENCH_SOURCE_NAME = "Benchmark data (synthetic)"
BENCH_SOURCE_DESCRIPTION = (
    "Generated, fictional national-scale data for performance benchmarks; not real services."
)

NATIONAL_QUALIFIED_RATIO = 1730.0  # NHS WTE per qualified LKS WTE, England
STAFF_COST_PER_WTE = 45_000.0  # GBP a year including on-costs, mid-period
NHS_METRIC_CODES: tuple[str, ...] = tuple(m.code for m in STORED if "nhs" in m.sectors)

REGIONS: tuple[str, ...] = (
    "North East and Yorkshire",
    "North West",
    "Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
_REGION_WEIGHTS = (0.16, 0.15, 0.19, 0.12, 0.15, 0.14, 0.09)
_ORG_TYPE_WEIGHTS = {
    "acute": 0.50,
    "mental health": 0.17,
    "community": 0.10,
    "ambulance": 0.06,
    "integrated": 0.10,
    "other": 0.07,
}
_POPULATION_RANGE = {  # organisation WTE served
    "acute": (3_000, 15_000),
    "mental health": (1_500, 6_000),
    "community": (1_000, 5_000),
    "ambulance": (2_000, 6_000),
    "integrated": (4_000, 12_000),
    "other": (1_000, 4_000),
}
_SITES_RANGE = {  # library sites
    "acute": (1, 3),
    "mental health": (1, 3),
    "community": (1, 2),
    "ambulance": (1, 1),
    "integrated": (2, 4),
    "other": (1, 1),
}
_TRAINED_SPLIT = {  # expected shares: medical, nursing, AHP, other staff and students
    "acute": (0.30, 0.35, 0.15, 0.20),
    "mental health": (0.15, 0.40, 0.15, 0.30),
    "community": (0.08, 0.45, 0.25, 0.22),
    "ambulance": (0.04, 0.10, 0.50, 0.36),
    "integrated": (0.25, 0.37, 0.18, 0.20),
    "other": (0.30, 0.30, 0.15, 0.25),
}
_TRAINED_GROUPS = ("trained_medical", "trained_nursing", "trained_ahp", "trained_other_staff")

# Invented place names; none is the name of an NHS trust.
PLACES: tuple[str, ...] = (
    "Northbridge", "Aldermere", "Brackenholt", "Caldwater", "Dunmarsh", "Eastwold",
    "Fellbrook", "Greyhaven", "Harrowdene", "Ivelmoor", "Kestrelford", "Larkhampton",
    "Merrowby", "Netherfold", "Oakenshaw Vale", "Pennockley", "Ravensmere", "Saltmarsh Cross",
    "Thistlecombe", "Underhollow", "Wyndlow", "Yarrowfield", "Ashgrove", "Blackwater Reach",
    "Dovecote Hill", "Elderwick", "Foxmoor", "Glenharrow", "Hollinbrook", "Linnetby",
    "Pellbridge", "Redwater", "Stonemarsh", "Tarnley", "Wrenfield", "Brindlecombe",
    "Cressingham Vale", "Durrowgate", "Emberton Fells", "Fallowmere", "Gorsebury", "Hazelwick",
    "Juniper Bay", "Kingsholt", "Lowmarsh", "Mossbridge", "Norwold", "Orchardleigh",
    "Quillbrook", "Rookhaven", "Sedgemoor Cross", "Tamberley", "Umberdale", "Vexley",
    "Westholme Vale", "Wychcombe", "Amberleigh", "Bramblecote", "Copperdale", "Drakesmere",
)

_NAME_TEMPLATES = {
    "acute": (
        "{p} Hospitals NHS Trust",
        "{p} Hospitals NHS Foundation Trust",
        "University Hospitals of {p} NHS Trust",
        "{p} General Hospital NHS Foundation Trust",
    ),
    "acute teaching": (
        "{p} Teaching Hospitals NHS Foundation Trust",
        "{p} Teaching Hospitals NHS Trust",
    ),
    "mental health": (
        "{p} Partnership NHS Foundation Trust",
        "{p} Mental Health NHS Foundation Trust",
        "{p} Care NHS Trust",
    ),
    "community": (
        "{p} Community Health NHS Trust",
        "{p} Community Healthcare NHS Trust",
    ),
    "ambulance": ("{p} Ambulance Service NHS Trust", "{p} Ambulance Service NHS Foundation Trust"),
    "integrated": (
        "{p} Health and Care NHS Foundation Trust",
        "{p} Integrated Care NHS Trust",
    ),
    "other": (
        "{p} Children's Hospital NHS Foundation Trust",
        "{p} Orthopaedic Hospital NHS Foundation Trust",
        "{p} Heart and Chest Hospital NHS Foundation Trust",
    ),
}
LKS_SUFFIX = " Library and Knowledge Service"

# Months (by number) when most activity dips, and when inductions peak.
_AUGUST, _DECEMBER, _JANUARY, _SEPTEMBER = 8, 12, 1, 9
_ANCHOR = dt.date(2020, 4, 1)  # national trends are measured in years from here


@dataclass(frozen=True)
class ServiceProfile:
    """A fictional service: who it is and the fixed traits its figures derive from."""

    code: str
    name: str
    parent_org: str
    org_type: str
    region: str
    population: float  # organisation WTE served in the last month generated
    teaching: bool
    sites: int
    staff_factor: float  # qualified WTE relative to the national ratio (mean 1)

    def service_values(self) -> dict[str, Any]:
        """Return the column values of this service's row (without its source)."""
        return {
            "code": self.code,
            "name": self.name,
            "sector": "nhs",
            "org_type": self.org_type,
            "region": self.region,
            "parent_org": self.parent_org,
            "population": float(self.population),
            "population_unit": "WTE staff",
            "attributes": {"teaching": self.teaching, "sites": self.sites},
        }


def default_seed() -> int:
    """Return the demo seed from settings (DEMO_SEED)."""
    return int(load_config()["DEMO_SEED"])


def month_starts(end_fy: int, years: int) -> list[dt.date]:
    """Return the first day of every month of `years` NHS financial years ending with `end_fy`."""
    if years < 1:
        raise ValueError("years must be at least 1")
    first = dt.date(end_fy - years + 1, 4, 1)
    return [add_months(first, i) for i in range(12 * years)]


def _quota(rng: np.random.Generator, labels: Sequence[str], weights: Sequence[float],
           n: int) -> list[str]:
    """Allocate n labels in proportion to weights (largest remainder), in shuffled order."""
    w = np.asarray(weights, dtype=float)
    exact = w / w.sum() * n
    counts = np.floor(exact).astype(int)
    short = n - int(counts.sum())
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    out = [label for label, c in zip(labels, counts) for _ in range(int(c))]
    return [out[i] for i in rng.permutation(n)]


def _place_names(rng: np.random.Generator, n: int) -> list[str]:
    """Return n distinct invented place names (pairs like 'A and B' beyond the single names)."""
    singles = [PLACES[i] for i in rng.permutation(len(PLACES))]
    if n <= len(singles):
        return singles[:n]
    pairs = [f"{a} and {b}" for a in PLACES for b in PLACES if a != b]
    pairs = [pairs[i] for i in rng.permutation(len(pairs))]
    names = singles + pairs
    round_ = 2
    while len(names) < n:
        names += [f"{name} {round_}" for name in singles + pairs]
        round_ += 1
    return names[:n]


def make_profiles(n_services: int, seed: int | None = None, code_prefix: str = "DEMO",
                  code_width: int = 3) -> list[ServiceProfile]:
    """Draw n fictional services: organisation type, region, size and staffing level."""
    if n_services < 1:
        raise ValueError("n_services must be at least 1")
    seed = default_seed() if seed is None else int(seed)
    rng = np.random.default_rng([seed, 1])
    width = max(code_width, len(str(n_services)))
    org_types = _quota(rng, NHS_ORG_TYPES, [_ORG_TYPE_WEIGHTS[t] for t in NHS_ORG_TYPES],
                       n_services)
    regions = _quota(rng, REGIONS, _REGION_WEIGHTS, n_services)
    places = _place_names(rng, n_services)
    # Qualified staffing relative to the national ratio: lognormal, normalised so the national
    # (population-weighted) ratio is the published one.
    raw_factor = rng.lognormal(0.0, 0.3, size=n_services)
    populations = []
    teaching = []
    sites = []
    names = []
    for i, org_type in enumerate(org_types):
        low, high = _POPULATION_RANGE[org_type]
        populations.append(float(round(rng.uniform(low, high))))
        is_teaching = org_type == "acute" and bool(rng.random() < 0.3)
        teaching.append(is_teaching)
        s_low, s_high = _SITES_RANGE[org_type]
        sites.append(int(rng.integers(s_low, s_high + 1)))
        templates = _NAME_TEMPLATES["acute teaching" if is_teaching else org_type]
        names.append(templates[int(rng.integers(len(templates)))].format(p=places[i]))
    pop = np.asarray(populations)
    factor = raw_factor * (pop.sum() / (pop * raw_factor).sum())
    return [
        ServiceProfile(
            code=f"{code_prefix}{i + 1:0{width}d}",
            name=names[i] + LKS_SUFFIX,
            parent_org=names[i],
            org_type=org_types[i],
            region=regions[i],
            population=populations[i],
            teaching=teaching[i],
            sites=sites[i],
            staff_factor=float(factor[i]),
        )
        for i in range(n_services)
    ]


class _Calendar:
    """Month arrays shared by every service of one generation run."""

    def __init__(self, end_fy: int, years: int):
        self.dates = month_starts(end_fy, years)
        self.n = len(self.dates)
        self.month = np.array([d.month for d in self.dates])
        self.index = np.arange(self.n)
        # Years from the national anchor (April 2020), for national trends.
        self.t_abs = np.array([(d.year - _ANCHOR.year) * 12 + d.month - _ANCHOR.month
                               for d in self.dates]) / 12.0
        # Years back from the last month (0 at the end, negative before), for service levels.
        self.t_end = (self.index - (self.n - 1)) / 12.0
        k = self.t_abs * 12  # months since April 2020
        # Pandemic effect on physical use: lowest in spring 2020, recovered by April 2022.
        self.covid = np.where(k < -1, 1.0, np.where(k < 0, 0.6,
                              np.clip(0.3 + 0.7 * k / 24.0, 0.3, 1.0)))


def _flow(rng: np.random.Generator, lam: np.ndarray, sigma: float = 0.12) -> np.ndarray:
    """Draw integer counts around lam with extra-Poisson noise."""
    noisy = lam * rng.lognormal(-0.5 * sigma * sigma, sigma, size=lam.shape)
    return rng.poisson(np.maximum(noisy, 0.0)).astype(float)


def _steps(rng: np.random.Generator, end_value: float, n: int, per_year: float,
           sizes: Sequence[float], minimum: float) -> np.ndarray:
    """Return a stock that changes by a few steps and ends near end_value."""
    count = int(rng.poisson(per_year * n / 12.0))
    increments = np.zeros(n)
    if count:
        at = rng.integers(1, n, size=count)
        delta = rng.choice(np.asarray(sizes), size=count) * rng.choice([-1.0, 1.0], size=count)
        np.add.at(increments, at, delta)
    level = np.cumsum(increments)
    return np.maximum(end_value + level - level[-1], minimum)


def _step_sizes(level: float) -> tuple[float, ...]:
    """Return plausible WTE changes for a staff group of this size (at least 0.2 WTE)."""
    return tuple(max(0.2, round(f * level, 1)) for f in (0.08, 0.12, 0.2, 0.3))


def _weights(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    w = rng.lognormal(0.0, sigma, size=n)
    return w / w.sum()


def _spread_by_year(rng: np.random.Generator, cal: _Calendar, annual: np.ndarray,
                    sigma: float, april_share: tuple[float, float] | None = None) -> np.ndarray:
    """Spread annual amounts over the months of each financial year (optionally April-heavy)."""
    out = np.empty(cal.n)
    for fy in range(cal.n // 12):
        w = _weights(rng, 12, sigma)
        if april_share is not None:
            share = rng.uniform(*april_share)
            w = np.concatenate(([share], w[1:] / w[1:].sum() * (1.0 - share)))
        out[fy * 12:(fy + 1) * 12] = annual[fy] * w
    return out


def _gap_groups() -> dict[str, tuple[str, ...]]:
    return {
        "staffing": ("staff_total_wte", "staff_qualified_wte", "staff_para_wte",
                     "staff_headcount", "staff_vacancies_wte"),
        "finance": ("income_organisation", "income_national", "income_other", "exp_staff",
                    "exp_eresources", "exp_print", "exp_document_supply", "exp_other"),
        "enquiries": ("enquiries_procedural", "enquiries_information"),
        "searches": ("searches",),
        "training": ("trained_user_education", "trained_induction", *_TRAINED_GROUPS,
                     "training_hours"),
        "document supply": ("docsupply_supplied", "docsupply_received"),
        "e-resources": ("openathens_active", "eresource_sessions"),
        "impact": ("impact_responses", "impact_patient_care", "impact_decision_making",
                   "impact_time_saved", "impact_learning"),
        "visits and loans": ("visits", "loans"),
        "current awareness": ("current_awareness_recipients", "outreach_events"),
    }


_GAP_GROUPS = _gap_groups()


def service_series(profile: ServiceProfile, index: int, seed: int,
                   cal: _Calendar) -> dict[str, np.ndarray]:
    """Return every NHS metric's monthly values for one service; NaN marks a month not reported."""
    rng = np.random.default_rng([seed, 2, index])
    n = cal.n
    s: dict[str, np.ndarray] = {}

    # --- context: organisation WTE served, slow growth, ending at the profile's population ---
    growth = rng.normal(0.01, 0.008)
    potential = np.round(profile.population * (1.0 + growth) ** cal.t_end)
    s["potential_users"] = potential

    # --- staffing: stocks that step a few times; vacancies hold qualified posts empty ---
    qualified_end = profile.population / NATIONAL_QUALIFIED_RATIO * profile.staff_factor
    qualified = _steps(rng, qualified_end, n, 0.4, _step_sizes(qualified_end),
                       minimum=max(0.4, 0.6 * qualified_end))
    para_end = qualified_end * rng.uniform(0.15, 0.55)
    para = _steps(rng, para_end, n, 0.3, _step_sizes(max(para_end, 1.0)), minimum=0.0)
    vacancies = np.zeros(n)
    for _ in range(int(rng.poisson(0.35 * n / 12.0))):
        start = int(rng.integers(0, n))
        length = int(rng.integers(2, 10))
        vacancies[start:start + length] += rng.choice([0.5, 0.6, 0.8, 1.0, 1.5, 2.0])
    vacancies = np.minimum(vacancies, 2.0)
    qualified = np.round(np.maximum(qualified - vacancies, 0.4), 1)
    para = np.round(para, 1)
    total = np.round(qualified + para, 1)
    s["staff_qualified_wte"] = qualified
    s["staff_para_wte"] = para
    s["staff_total_wte"] = total
    s["staff_headcount"] = np.maximum(np.round(total * rng.uniform(1.2, 1.4)), 1.0)
    s["staff_vacancies_wte"] = np.round(vacancies, 1)

    # --- activity multipliers: seasonality, service trend, national trends ---
    season = 1.0 + rng.normal(0.0, 0.03, size=13)
    season[_AUGUST] = 1.0 - rng.uniform(0.20, 0.35)
    season[_DECEMBER] = 1.0 - rng.uniform(0.20, 0.35)
    season[_JANUARY] += 0.05
    season[_SEPTEMBER] += 0.05
    seasonal = season[cal.month]
    trend = (1.0 + rng.normal(0.0, 0.04)) ** (cal.t_abs - cal.t_abs[-1])
    size = potential / 1000.0
    act = size * seasonal * trend
    skill = float(np.sqrt(profile.staff_factor))  # better-staffed services do more mediated work

    # --- users ---
    reg_share = rng.uniform(0.35, 0.70) - rng.uniform(0.0, 0.02) * -cal.t_end
    registered = np.round(potential * np.clip(reg_share, 0.3, 0.7)
                          * rng.lognormal(0.0, 0.003, size=n))
    s["registered_users"] = registered
    oa_share = rng.uniform(0.45, 0.8) * 1.04 ** (cal.t_abs - cal.t_abs[-1])
    s["openathens_active"] = np.round(registered * np.clip(oa_share, 0.2, 0.95))
    ca_share = rng.uniform(0.02, 0.12) * (1.0 + rng.uniform(0.0, 0.05)) ** cal.t_end
    s["current_awareness_recipients"] = np.round(_steps(
        rng, 1.0, n, 0.3, (0.05, 0.1), minimum=0.7) * potential * ca_share)

    # --- activity flows ---
    s["enquiries_procedural"] = _flow(rng, act * rng.uniform(10, 35))
    s["enquiries_information"] = _flow(rng, act * rng.uniform(4, 12) * skill)
    s["searches"] = _flow(rng, act * rng.uniform(4.5, 8.5) * skill
                          * 1.02 ** cal.t_abs)
    education = _flow(rng, act * rng.uniform(1.5, 5.0))
    induction_season = seasonal.copy()
    induction_season[cal.month == _JANUARY] *= rng.uniform(1.8, 2.4)
    induction_season[cal.month == _SEPTEMBER] *= rng.uniform(2.2, 3.0)
    induction = _flow(rng, size * trend * induction_season * rng.uniform(1.5, 4.5))
    s["trained_user_education"] = education
    s["trained_induction"] = induction
    trained = (education + induction).astype(np.int64)
    split = rng.dirichlet(np.asarray(_TRAINED_SPLIT[profile.org_type]) * 60.0)
    groups = rng.multinomial(trained, split)
    for j, code in enumerate(_TRAINED_GROUPS):
        s[code] = groups[:, j].astype(float)
    hours = (education + induction) * rng.uniform(0.12, 0.3) * rng.lognormal(0.0, 0.15, n)
    s["training_hours"] = np.round(hours * 2.0) / 2.0
    received_rate = act * rng.uniform(3.0, 10.0) * 0.97 ** cal.t_abs
    s["docsupply_received"] = _flow(rng, received_rate)
    s["docsupply_supplied"] = _flow(rng, received_rate * rng.uniform(0.4, 1.3))
    s["loans"] = _flow(rng, act * rng.uniform(4.0, 25.0) * np.sqrt(cal.covid)
                       * 0.96 ** cal.t_abs)
    softer = 1.0 - (1.0 - seasonal) * 0.5
    s["eresource_sessions"] = _flow(rng, s["openathens_active"] * rng.uniform(0.8, 2.5)
                                    * softer * 1.04 ** cal.t_abs, sigma=0.1)
    s["visits"] = _flow(rng, act * rng.uniform(40.0, 180.0) * cal.covid * 0.99 ** cal.t_abs)
    s["outreach_events"] = _flow(rng, act * rng.uniform(0.2, 0.7), sigma=0.3)

    # --- impact questionnaire: respondents reporting each impact (shares are derived) ---
    responses = np.minimum(_flow(rng, np.full(n, rng.uniform(2.0, 12.0)
                                              * np.sqrt(profile.population / 6000.0))
                                 * seasonal, sigma=0.3), 30.0)
    s["impact_responses"] = responses
    answered = responses.astype(np.int64)
    for code, (low, high) in (("impact_patient_care", (0.60, 0.85)),
                              ("impact_decision_making", (0.70, 0.90)),
                              ("impact_time_saved", (0.75, 0.95)),
                              ("impact_learning", (0.50, 0.80))):
        s[code] = rng.binomial(answered, rng.uniform(low, high)).astype(float)

    # --- finance (GBP): staff pay with annual pay awards; lumpy e-resources; income ~ spend ---
    pay_index = 1.035 ** (cal.t_abs - 2.5)
    s["exp_staff"] = np.round(total * STAFF_COST_PER_WTE / 12.0 * pay_index
                              * rng.uniform(0.92, 1.08) * rng.lognormal(0.0, 0.015, n))
    years = n // 12
    fy_mid = cal.t_abs[6::12][:years]
    eres_annual = profile.population * rng.uniform(2.0, 6.0) * 1.05 ** fy_mid
    s["exp_eresources"] = np.round(_spread_by_year(rng, cal, eres_annual, 0.6, (0.35, 0.6)))
    print_annual = profile.population * rng.uniform(0.3, 1.2) * 0.95 ** fy_mid
    s["exp_print"] = np.round(_spread_by_year(rng, cal, print_annual, 0.7))
    s["exp_document_supply"] = np.round(s["docsupply_received"] * rng.uniform(4.0, 9.0)
                                        * rng.lognormal(0.0, 0.1, n))
    s["exp_other"] = np.round(total * rng.uniform(800.0, 2500.0) / 12.0
                              * rng.lognormal(0.0, 0.4, n))
    spend = sum(s[c] for c in ("exp_staff", "exp_eresources", "exp_print",
                               "exp_document_supply", "exp_other"))
    fy_spend = spend[: years * 12].reshape(years, 12).sum(axis=1)
    income = fy_spend * rng.uniform(0.97, 1.04, size=years)
    other_share = rng.uniform(0.01, 0.06)
    national_share = rng.uniform(0.12, 0.25)
    s["income_organisation"] = np.round(_spread_by_year(
        rng, cal, income * (1.0 - other_share - national_share), 0.02))
    s["income_national"] = np.round(_spread_by_year(rng, cal, income * national_share, 0.0))
    s["income_other"] = np.round(_spread_by_year(rng, cal, income * other_share, 0.8))

    # --- outliers: a mediated-search surge, a robot on the e-resources ---
    if rng.random() < 0.15:
        s["searches"][int(rng.integers(n))] *= round(float(rng.uniform(5.0, 10.0)), 1)
        s["searches"] = np.round(s["searches"])
    if rng.random() < 0.10:
        s["eresource_sessions"][int(rng.integers(n))] *= round(float(rng.uniform(4.0, 8.0)), 1)
        s["eresource_sessions"] = np.round(s["eresource_sessions"])

    # --- gaps: whole months a service did not report for a group of metrics ---
    if rng.random() < 0.15:
        names = list(_GAP_GROUPS)
        for _ in range(int(rng.integers(1, 4))):
            group = _GAP_GROUPS[names[int(rng.integers(len(names)))]]
            length = int(rng.choice([1, 1, 1, 2, 3, 6, 12]))
            start = int(rng.integers(0, n - length + 1))
            if length == 12:
                start -= start % 12  # a whole financial year not returned
            for code in group:
                s[code] = s[code].astype(float)
                s[code][start:start + length] = np.nan
    return s


def generate_observations(
    service_ids: Sequence[int],
    metric_ids: Mapping[str, int],
    batch_id: int,
    *,
    seed: int | None = None,
    end_fy: int = 2024,
    years: int = 5,
    profiles: Sequence[ServiceProfile] | None = None,
    metrics: Iterable[str] | None = None,
) -> Iterator[ObservationRow]:
    """Yield monthly observation rows for each service id, one service at a time.

    `profiles[i]` describes `service_ids[i]` (drawn with make_profiles when not given); `metrics`
    limits the codes emitted (all NHS stored metrics by default). Months a service did not
    report have no row at all.
    """
    seed = default_seed() if seed is None else int(seed)
    if profiles is None:
        profiles = make_profiles(len(service_ids), seed)
    if len(profiles) != len(service_ids):
        raise ValueError("one profile is needed per service id")
    codes = NHS_METRIC_CODES if metrics is None else tuple(metrics)
    unknown = [c for c in codes if c not in NHS_METRIC_CODES]
    if unknown:
        raise ValueError(f"not NHS stored metrics: {', '.join(unknown)}")
    missing = [c for c in codes if c not in metric_ids]
    if missing:
        raise ValueError(f"metrics not in the database (run upgrade): {', '.join(missing)}")
    cal = _Calendar(end_fy, years)
    dates = cal.dates
    for index, (service_id, profile) in enumerate(zip(service_ids, profiles)):
        series = service_series(profile, index, seed, cal)
        for code in codes:
            metric_id = metric_ids[code]
            values = series[code]
            present = ~np.isnan(values)
            if present.all():
                for day, value in zip(dates, values.tolist()):
                    yield (service_id, metric_id, "month", day, "", value, None, False, batch_id)
            else:
                for i in np.flatnonzero(present).tolist():
                    yield (service_id, metric_id, "month", dates[i], "", float(values[i]), None,
                           False, batch_id)


def _checksum(kind: str, seed: int, n_services: int, end_fy: int, years: int,
              metrics: Sequence[str]) -> str:
    """Hash a canonical description of what the generator was asked for."""
    description = {
        "generator": "shelfmark.demo",
        "version": GENERATOR_VERSION,
        "kind": kind,
        "seed": seed,
        "n_services": n_services,
        "end_fy": end_fy,
        "years": years,
        "metrics": list(metrics),
    }
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _seed(db: Database, viewer: Viewer, *, source: dict[str, Any],
          profiles: Sequence[ServiceProfile], seed: int, end_fy: int, years: int,
          metrics: Sequence[str], kind: str, created_by: str, note: str) -> int:
    """Store a generated source, its services and their monthly figures; return the batch id."""
    def rows(ids_by_code, metric_ids, batch_id):
        return generate_observations(
            [ids_by_code[p.code] for p in profiles], metric_ids, batch_id, seed=seed,
            end_fy=end_fy, years=years, profiles=profiles, metrics=metrics)

    return write_source(
        db, viewer, source=source, services=[p.service_values() for p in profiles],
        metrics=metrics, rows=rows, kind=kind,
        checksum=_checksum(kind, seed, len(profiles), end_fy, years, metrics),
        created_by=created_by, note=note)


def seed_demo(
    db: Database,
    viewer: Viewer,
    seed: int | None = None,
    n_services: int = 40,
    end_fy: int = 2024,
    years: int = 5,
    created_by: str = "shelfmark seed-demo",
) -> int:
    """Create the synthetic demo source, its services and monthly figures; return the batch id.

    Raise ValueError if the demo source already exists.
    """
    seed = default_seed() if seed is None else int(seed)
    profiles = make_profiles(n_services, seed)
    batch = _seed(
        db,
        viewer,
        source={
            "code": DEMO_SOURCE_CODE,
            "name": DEMO_SOURCE_NAME,
            "synthetic": True,
            "public": False,
            "description": DEMO_SOURCE_DESCRIPTION,
        },
        profiles=profiles,
        seed=seed,
        end_fy=end_fy,
        years=years,
        metrics=NHS_METRIC_CODES,
        kind="demo",
        created_by=created_by,
        note=DEMO_SOURCE_NAME,
    )
    if years >= 2:
        seed_targets(db, viewer, [p.code for p in profiles], end_fy)
    return batch


# Demo targets for the last year, from the year before: (measure, change, how). "ratio" scales
# the earlier figure, "points" adds percentage points.
DEMO_TARGETS = (("searches", 1.05, "ratio"), ("trained_total", 1.05, "ratio"),
                ("registered_pct", 2.0, "points"), ("cost_per_search", 0.95, "ratio"))


def seed_targets(db: Database, viewer: Viewer, codes: Sequence[str], end_fy: int) -> int:
    """Give each demo service targets for financial year `end_fy`, set from the year before
    (5% more searches and people trained, 2 points more registered users, 5% lower cost per
    search), as a service setting its annual plan would; return how many were stored."""
    from .catalogue import CATALOGUE
    from .compute import derived_values
    from .db.aggregates import aggregate
    from .db.targets import set_targets
    from .periods import PeriodRange
    from .targets import TargetInfo

    fy_start = load_config().fy_start_month("nhs")
    year = PeriodRange(dt.date(end_fy, fy_start, 1), add_months(dt.date(end_fy, fy_start, 1), 11))
    before = year.shifted(-12)
    wanted = [code for code, _, _ in DEMO_TARGETS]
    stored = CATALOGUE.stored_codes_for(wanted)
    targets = []
    for code in codes:
        values = derived_values(aggregate(db, viewer, code, stored, before, "range", fy_start),
                                wanted)
        found = {metric: value for metric, cells in values.items()
                 for value, _ in cells.values()}
        for metric, change, how in DEMO_TARGETS:
            if metric not in found:
                continue
            earlier = float(found[metric])
            if how == "points":
                target = round(min(100.0, earlier + change), 1)
            else:
                target = float(round(earlier * change, -1 if earlier >= 100 else 0))
            targets.append(TargetInfo(code, metric, year, target, "Demo target (synthetic)",
                                      "shelfmark seed-demo"))
    return len(set_targets(db, viewer, targets))


def seed_scale(
    db: Database,
    viewer: Viewer,
    n_services: int,
    years: int,
    metrics: Iterable[str] | None = None,
    seed: int | None = None,
    end_fy: int = 2024,
    created_by: str = "shelfmark benchmark",
) -> int:
    """Create a national-scale synthetic source (BENCH0001...) for benchmarks; return the batch id.

    Raise ValueError if the benchmark source already exists.
    """
    seed = default_seed() if seed is None else int(seed)
    codes = NHS_METRIC_CODES if metrics is None else tuple(metrics)
    return _seed(
        db,
        viewer,
        source={
            "code": BENCH_SOURCE_CODE,
            "name": BENCH_SOURCE_NAME,
            "synthetic": True,
            "public": False,
            "description": BENCH_SOURCE_DESCRIPTION,
        },
        profiles=make_profiles(n_services, seed, code_prefix="BENCH", code_width=4),
        seed=seed,
        end_fy=end_fy,
        years=years,
        metrics=codes,
        kind="benchmark",
        created_by=created_by,
        note=BENCH_SOURCE_NAME,
    )


def scale_checksum(n_services: int, years: int, seed: int | None = None,
                   end_fy: int = 2024) -> str:
    """Return the checksum seed_scale records, to tell whether a database is current."""
    seed = default_seed() if seed is None else int(seed)
    return _checksum("benchmark", seed, n_services, end_fy, years, NHS_METRIC_CODES)


def demo_is_seeded(db: Database, viewer: Viewer) -> bool:
    """Return whether the demo data source exists."""
    return source_exists(db, viewer, DEMO_SOURCE_CODE)
