"""Peer groups: filters, size bands, nearest neighbours, manual picks, URL and saved forms.

The hand-made services below have round figures so that every group, band edge and distance
is worked out by hand in the tests; they run on SQLite and PostgreSQL. One test checks
state-and-locale groups on the real IMLS FY2017 file against pandas reading the file itself.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import inspect, text

from dashboard.benchmarking.definition import (ACE_NEIGHBOURS, COMPUTED, DEFAULT_DEFINITION, SAME,
                                               SCALES, PeerDefinition, SizeBand, from_json,
                                               from_query, to_json, to_query)
from dashboard.benchmarking.describe import describe
from dashboard.benchmarking.saved import (PeerGroupError, delete_group, list_groups, load_group,
                                          save_group)
from dashboard.benchmarking.selection import band_of, build_group, load_candidates, size_bands
from dashboard.db import Database
from dashboard.db.access import ANONYMOUS, Viewer
from dashboard.db.models import (SECTORS, Base, DataSource, ImportBatch, PeerGroupRecord, Service,
                                 ServiceNeighbour)
from dashboard.db.peers import (PEER_CANDIDATE_COLUMNS, latest_year_values, neighbour_sources,
                                peer_candidates, stored_neighbours)
from dashboard.settings import load_config

V = ANONYMOUS
ADMIN = Viewer(name="admin", roles=frozenset({"admin"}))
CONFIG = load_config({})
DATA = Path(__file__).resolve().parent.parent / "data"
IMLS_FILE = DATA / "imls_pls_fy2017" / "pls_fy2017_ae_pud17i.csv.gz"  # as in conftest

# code, sector, org_type, region, population, attributes
NHS = [
    ("N01", "acute", "London", 1000, {"sites": 1}),
    ("N02", "acute", "London", 2000, {"sites": 2}),
    ("N03", "acute", "North", 3000, {"sites": 3}),
    ("N04", "community", "London", 4000, {"sites": 1}),
    ("N05", "community", "North", 5000, {"sites": 2}),
    ("N06", "mental health", "London", 6000, {"sites": 3}),
    ("N07", "acute", "London", None, {"sites": 1}),
    ("N08", "acute", "North", 8000, {"teaching": True}),
]
# Public services: populations 9, 99, 999, 9999 are 1, 2, 3, 4 on the log10(1 + x) scale.
PUBLIC = [
    ("P01", "Far West", 9, {"state": "AK", "locale": "43", "branches": 1}),
    ("P02", "Far West", 99, {"state": "AK", "locale": "43", "branches": 3}),
    ("P03", "Far West", 999, {"state": "AK", "locale": "42", "branches": 1}),
    ("P04", "Far West", 9999, {"state": "WA", "locale": "43", "branches": 3}),
    ("P05", "Far West", None, {"state": "WA", "locale": "21", "branches": 2}),
]
VISITS = {"P01": 10.0, "P02": 10.0, "P03": 30.0, "P04": 30.0}  # P05 has none
# P01's stored list, nearest first: P04, P05 (in WA), then P03 and P02 (in AK).
P01_LIST = [("P04", 1), ("P05", 2), ("P03", 3), ("P02", 4)]


def load_peers(db: Database) -> None:
    """Load the thirteen hand-made services and P01's stored neighbour list."""
    with db.session() as session:
        hospitals = DataSource(code="hosp", name="Hospital returns", public=False)
        survey = DataSource(code="survey", name="Public survey", public=True)
        session.add_all([hospitals, survey])
        session.flush()
        services = {}
        for code, org_type, region, population, attributes in NHS:
            services[code] = Service(
                code=code, name=f"Library {code}", sector="nhs", org_type=org_type,
                region=region, population=population, population_unit="WTE staff",
                attributes=attributes, source_id=hospitals.id)
        for code, region, population, attributes in PUBLIC:
            services[code] = Service(
                code=code, name=f"Library {code}", sector="public", region=region,
                population=population, population_unit="people (legal service area)",
                attributes=attributes, source_id=survey.id)
        session.add_all(services.values())
        batch = ImportBatch(created_by="tests", kind="test")
        session.add(batch)
        session.flush()
        for code, rank in P01_LIST:
            session.add(ServiceNeighbour(service_id=services["P01"].id,
                                         neighbour_id=services[code].id, rank=rank,
                                         source=ACE_NEIGHBOURS, batch_id=batch.id))


@pytest.fixture
def peer_db(empty_db):
    load_peers(empty_db)
    return empty_db


def build(db, own, defn, viewer=V, **kwargs):
    """Build a group from a definition or its URL text (which must read without problems)."""
    if isinstance(defn, str):
        defn, problems = from_query(defn)
        assert problems == []
    return build_group(db, viewer, CONFIG, own, defn, **kwargs)


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------


def test_candidates_have_service_columns_and_attributes(peer_db):
    frame = peer_candidates(peer_db, V)
    assert frame["code"].tolist() == sorted(c[0] for c in NHS + PUBLIC)
    assert set(PEER_CANDIDATE_COLUMNS) <= set(frame.columns)
    assert {"sites", "teaching", "state", "locale", "branches"} <= set(frame.columns)
    row = frame.set_index("code").loc["P02"]
    assert (row["state"], row["locale"], row["branches"], row["source"]) == ("AK", "43", 3,
                                                                             "survey")
    assert bool(row["public"]) and not bool(frame.set_index("code").loc["N01", "public"])
    assert math.isnan(frame.set_index("code").loc["N07", "population"])
    public = peer_candidates(peer_db, V, sector="public")
    assert public["code"].tolist() == ["P01", "P02", "P03", "P04", "P05"]
    picked = peer_candidates(peer_db, V, codes=["P03", "N02", "NOPE"])
    assert picked["code"].tolist() == ["N02", "P03"]
    assert peer_candidates(peer_db, V, codes=[]).empty


def test_stored_neighbours_in_rank_order(peer_db):
    assert stored_neighbours(peer_db, V, "P01", ACE_NEIGHBOURS) == P01_LIST
    assert stored_neighbours(peer_db, V, "P02", ACE_NEIGHBOURS) == []
    assert stored_neighbours(peer_db, V, "P01", "other-source") == []
    assert neighbour_sources(peer_db, V) == [ACE_NEIGHBOURS]
    assert neighbour_sources(peer_db, V, "N01") == []


# ---------------------------------------------------------------------------------------------
# Attribute filters, the own service, manual picks
# ---------------------------------------------------------------------------------------------


def test_attribute_filters(peer_db):
    assert build(peer_db, "N01", "sector:nhs;org_type:acute;region:London").members == ["N02",
                                                                                          "N07"]
    same = build(peer_db, "N01", "sector:=;org_type:=;region:=")
    assert same.members == ["N02", "N07"] and same.problems == []
    assert build(peer_db, "N01", "org_type:acute,community").members == [
        "N02", "N03", "N04", "N05", "N07", "N08"]
    assert build(peer_db, "N01", "region:london").members == ["N02", "N04", "N06", "N07"]
    # Attributes of the free dictionary; numbers and booleans compare as text.
    assert build(peer_db, "N01", "sites:1").members == ["N04", "N07"]
    assert build(peer_db, "N01", "teaching:true").members == ["N08"]
    assert build(peer_db, "P01", "sector:public;state:=;locale:=").members == ["P02"]
    assert build(peer_db, "P01", "state:AK,WA;locale:43").members == ["P02", "P04"]


def test_sector_same_any_and_several(peer_db):
    assert build(peer_db, "P03", DEFAULT_DEFINITION).members == ["P01", "P02", "P04", "P05"]
    assert build(peer_db, "P03", "all").size == 12
    assert build(peer_db, "P03", "sector:nhs,public").size == 12
    assert build(peer_db, "P03", "sector:nhs").members == [c[0] for c in NHS]


def test_own_service_is_never_a_peer(peer_db):
    for text in ("all", "sector:=", "org_type:=", "size:q2", "nn:3", "manual:N01,N02"):
        group = build(peer_db, "N01", text)
        assert "N01" not in group.members, text


def test_unknown_attribute_and_own_without_value(peer_db):
    group = build(peer_db, "N01", "colour:red")
    assert group.members == [] and "colour" in group.problems[0]
    group = build(peer_db, "P01", "org_type:=")
    assert group.members == [] and "no type" in group.problems[0]


def test_unknown_own_service(peer_db):
    group = build(peer_db, "NOPE", DEFAULT_DEFINITION)
    assert group.members == [] and any("not known" in p for p in group.problems)
    assert build(peer_db, None, "sector:nhs;region:North").members == ["N03", "N05", "N08"]


def test_manual_codes_are_added(peer_db):
    defn = PeerDefinition(filters=(("org_type", ("community",)),),
                          manual=("P01", "N04", "N02", "N01", "ZZZ"))
    group = build(peer_db, "N01", defn, viewer=ADMIN, reveal=True)
    # Filter members by code, then the hand-picked ones in their order; own and unknown dropped.
    assert group.members == ["N04", "N05", "P01", "N02"]
    assert group.size == 4
    assert any("own service" in p for p in group.problems)
    assert any("ZZZ" in p and "not known" in p for p in group.problems)
    assert group.reasons["P01"] == "chosen by hand"
    assert group.reasons["N04"] == "type community; also chosen by hand"


def test_services_chosen_by_hand_alone_are_the_whole_group(peer_db):
    """No other limit: the group is the chosen services, as its description says."""
    defn = PeerDefinition(manual=("N04", "P01", "N02"))
    group = build(peer_db, "N01", defn)
    assert group.members == ["N04", "P01", "N02"]
    assert group.description == "3 services chosen by hand: 3 services"
    assert from_query(to_query(defn)) == (defn, [])


# ---------------------------------------------------------------------------------------------
# Size bands
# ---------------------------------------------------------------------------------------------


def test_size_bands_edges():
    values = [1000, 2000, 3000, 4000, 5000, 6000, 8000, None, float("nan")]
    assert size_bands(values, 2) == [(1000, 4000), (4000, 8000)]
    assert size_bands(values, 3) == [(1000, 3000), (3000, 5000), (5000, 8000)]
    assert size_bands(values, 4) == [(1000, 2500), (2500, 4000), (4000, 5500),
                                     (5500, 8000)]
    assert size_bands([], 5) == []
    bands = size_bands(values, 3)
    assert [band_of(v, bands) for v in (1000, 2999, 3000, 8000, 9000)] == [0, 0, 1, 2,
                                                                           None]


def test_explicit_size_band(peer_db):
    group = build(peer_db, "N01", PeerDefinition(sector="nhs", size=SizeBand.between(2000, 5000)))
    assert group.members == ["N02", "N03", "N04"]  # 2,000 in, 5,000 out
    assert group.excluded == {"no population": 1}  # N07
    assert group.band == (2000.0, 5000.0)
    assert build(peer_db, "N01", "sector:nhs;size:5000..").members == ["N05", "N06", "N08"]
    assert build(peer_db, "N06", "sector:nhs;size:..2000").members == ["N01"]


def test_quantile_size_band(peer_db):
    # NHS populations 1,000 ... 6,000 and 8,000: tercile edges 1,000, 3,000, 5,000, 8,000.
    group = build(peer_db, "N03", "sector:nhs;size:q3")
    assert group.band == (3000, 5000) and group.members == ["N04"]
    assert group.excluded == {"no population": 1}
    assert build(peer_db, "N03", "sector:nhs;size:q2").members == ["N01", "N02"]
    assert build(peer_db, "N02", "sector:nhs;size:q4").members == ["N01"]
    assert build(peer_db, "N08", "sector:nhs;size:q3").members == ["N05", "N06"]  # closed
    # Edges are computed among the services passing the filters: acute ones here.
    acute = build(peer_db, "N03", "sector:nhs;org_type:acute;size:q2")
    assert acute.band == (2500, 8000) and acute.members == ["N08"]


def test_quantile_band_needs_own_population(peer_db):
    group = build(peer_db, "N07", "sector:nhs;size:q3")
    assert group.members == [] and "no population" in group.problems[0]
    outside = build(peer_db, "N03", "sector:nhs;org_type:community;size:q2")
    assert outside.members == [] and "outside" in outside.problems[0]


# ---------------------------------------------------------------------------------------------
# Nearest neighbours
# ---------------------------------------------------------------------------------------------


def test_computed_neighbours_on_log_population(peer_db):
    # log10(1 + population) of P01..P04 is 1, 2, 3, 4: mean 2.5, standard deviation sqrt(1.25).
    group = build(peer_db, "P01", "sector:public;nn:2", reveal=True)
    assert group.members == ["P02", "P03"]
    sd = math.sqrt(1.25)
    assert group.distances == pytest.approx({"P02": 1 / sd, "P03": 2 / sd})
    assert group.excluded == {"no population": 1}  # P05
    assert group.reasons == {"P02": "distance 0.89 on population",
                             "P03": "distance 1.79 on population"}


def test_computed_neighbours_on_two_standardised_attributes(peer_db):
    # Linear scale. branches 1, 3, 1, 3: mean 2, sd 1; visits 10, 10, 30, 30: mean 20, sd 10.
    # P01 is at (-1, -1): P02 (1, -1) and P03 (-1, 1) are 2 away, P04 (1, 1) 2*sqrt(2).
    defn = PeerDefinition(sector="public", neighbours=3, neighbour_attributes=("branches",
                                                                                "visits"),
                          neighbour_scale="linear")
    group = build(peer_db, "P01", defn, values={"visits": VISITS}, reveal=True)
    assert group.members == ["P02", "P03", "P04"]  # the tie at 2 is broken by code
    assert group.distances == pytest.approx({"P02": 2.0, "P03": 2.0, "P04": 2 * math.sqrt(2)})
    assert group.excluded == {"no visits": 1}  # P05
    assert group.reasons["P04"] == "distance 2.83 on branches, visits"
    assert group.compared_on == ["branches", "visits"]
    one = build(peer_db, "P01", replace(defn, neighbours=1),
                values=pd.DataFrame({"visits": VISITS}))
    assert one.members == ["P02"]


def test_computed_neighbours_need_own_values(peer_db):
    group = build(peer_db, "P05", "sector:public;nn:2")
    assert group.members == [] and any("no population" in p for p in group.problems)
    group = build(peer_db, "P01", "sector:public;nn:2;nnby:nothing")
    assert group.members == [] and any("'nothing'" in p for p in group.problems)
    few = build(peer_db, "P01", "sector:public;state:AK;nn:5")
    assert few.members == ["P02", "P03"] and any("fewer" in p for p in few.problems)


def test_stored_neighbours_intersected_with_filters(peer_db):
    group = build(peer_db, "P01", f"nn:3;nnsrc:{ACE_NEIGHBOURS}", reveal=True)
    assert group.members == ["P04", "P05", "P03"] and group.ranks == {"P04": 1, "P05": 2,
                                                                       "P03": 3}
    assert group.reasons["P05"] == "neighbour 2 on the ACE list"
    assert group.distances == {}
    narrowed = build(peer_db, "P01", f"state:AK;nn:2;nnsrc:{ACE_NEIGHBOURS}")
    assert narrowed.members == ["P03", "P02"]
    assert narrowed.excluded == {"nearer listed neighbours outside the filters": 2}
    none = build(peer_db, "P02", f"nn:2;nnsrc:{ACE_NEIGHBOURS}")
    assert none.members == [] and "no stored neighbour list" in none.problems[0]


def test_candidates_are_reused(peer_db):
    cands = load_candidates(peer_db, V)
    for own, text in (("N01", "org_type:=;region:="), ("P01", "sector:=;nn:2"),
                      ("N03", "sector:nhs;size:q3")):
        defn, _ = from_query(text)
        assert build_group(peer_db, V, CONFIG, own, defn, candidates=cands).members == \
            build(peer_db, own, defn).members
    # A frame of one sector still finds an own service outside it.
    public = load_candidates(peer_db, V, "public")
    group = build_group(peer_db, V, CONFIG, "N01", PeerDefinition(sector="public",
                                                                  size=SizeBand.quantile(2)),
                        candidates=public)
    # Public populations 9, 99, 999, 9,999: halves split at 549; N01's 1,000 is in the top one.
    assert group.band == (549, 9999) and group.members == ["P03", "P04"]


# ---------------------------------------------------------------------------------------------
# Reasons and sensitivity
# ---------------------------------------------------------------------------------------------


def test_reasons_only_when_revealed(peer_db):
    assert build(peer_db, "N01", "org_type:=;region:=").reasons == {}
    group = build(peer_db, "N01", "sector:=;org_type:=;region:=", viewer=ADMIN, reveal=True)
    assert group.reasons == {"N02": "same sector, type and region",
                             "N07": "same sector, type and region"}
    group = build(peer_db, "P01", "state:AK,WA;locale:43", reveal=True)
    assert group.reasons == {"P02": "state AK; locale 43", "P04": "state WA; locale 43"}


def test_hidden_peers_get_generic_reasons(peer_db):
    # Hospital names are not public: an anonymous viewer gets no attribute values.
    group = build(peer_db, "N01", "org_type:acute;region:London", reveal=True)
    assert group.reasons == {"N02": "matches the definition", "N07": "matches the definition"}
    group = build(peer_db, "N01", "sector:=;org_type:=;region:=", reveal=True)
    assert group.reasons == {"N02": "matches the definition", "N07": "matches the definition"}
    group = build(peer_db, "N01", "sector:nhs;nn:1", reveal=True)
    assert group.reasons["N02"].startswith("distance ") and "matches" not in group.reasons["N02"]


# ---------------------------------------------------------------------------------------------
# describe()
# ---------------------------------------------------------------------------------------------


def test_describe_wording(peer_db):
    defn = PeerDefinition(sector="nhs", filters=(("org_type", ("acute", "community")),),
                          size=SizeBand.quantile(5), manual=("N06", "P01"))
    group = build(peer_db, "N03", defn)
    # Quintile edges among acute and community NHS services with a population:
    # 1,000, 2,000, 3,000, 4,000, 5,000, 8,000; N03 (3,000) is alone in its band.
    assert group.description == ("NHS services of type acute or community, in the same "
                                 "population quintile (3,000–4,000 WTE staff), plus 2 chosen "
                                 "by hand: 2 services")
    assert describe(defn) == ("NHS services of type acute or community, in the same "
                              "population quintile as yours, plus 2 chosen by hand")
    assert build(peer_db, "N01", "sector:=;org_type:=;region:=").description == (
        "NHS services of the same type as yours (acute), in the same region as yours "
        "(London): 2 services")
    assert build(peer_db, "P01", "sector:public;nn:2").description == (
        "The 2 public services nearest to yours on population (standardised, log scale): "
        "2 services")
    assert build(peer_db, "P01", f"state:AK;nn:2;nnsrc:{ACE_NEIGHBOURS}").description == (
        "The first 2 of your ACE nearest statistical neighbours that are services in "
        "AK: 2 services")
    assert describe(PeerDefinition(), count=12) == "All services: 12 services"
    assert describe(PeerDefinition(manual=("A",)), count=1) == \
        "1 service chosen by hand: 1 service"
    assert describe(PeerDefinition(size=SizeBand.between(1000, 5000)), unit="WTE staff") \
        == "Services with population from 1,000 to under 5,000 WTE staff"
    assert describe(PeerDefinition(size=SizeBand.between(None, 500))) == \
        "Services with population under 500"


# ---------------------------------------------------------------------------------------------
# URL text and JSON
# ---------------------------------------------------------------------------------------------


def test_query_text_examples():
    defn = PeerDefinition(sector="nhs", filters=(("org_type", ("acute", "community")),),
                          size=SizeBand.quantile(5), neighbours=10,
                          manual=("DEMO003", "DEMO004"))
    text = "sector:nhs;org_type:acute,community;size:q5;nn:10;manual:DEMO003,DEMO004"
    assert to_query(defn) == text
    assert from_query(text) == (defn, [])
    assert to_query(PeerDefinition()) == "all"
    assert to_query(DEFAULT_DEFINITION) == "sector:="
    assert from_query("") == (DEFAULT_DEFINITION, [])
    assert from_query(None) == (DEFAULT_DEFINITION, [])
    odd = PeerDefinition(filters=(("legal_basis_name", ("City, town; or: 100%",)),),
                         size=SizeBand.between(0.5, None), neighbour_source=ACE_NEIGHBOURS,
                         neighbour_attributes=("population", "visits"), neighbour_scale="linear")
    assert to_query(odd) == ("legal_basis_name:City%2C town%3B or%3A 100%25;size:0.5..;"
                             f"nnsrc:{ACE_NEIGHBOURS};nnby:population,visits;"
                             "nnscale:linear")
    assert from_query(to_query(odd)) == (odd, [])
    # Hand-typed forms are read leniently: spaces, case, repeated values.
    assert from_query(" SECTOR:NHS ; Region: London , London ;size:Q3") == (
        PeerDefinition(sector="nhs", filters=(("region", ("London",)),),
                       size=SizeBand.quantile(3)), [])


@pytest.mark.parametrize("text, words", [
    ("sector:library", "sector"),
    ("size:q11", "2 to 10"),
    ("size:5..1", "below"),
    ("size:nan..", "number"),
    ("size:1e999..", "finite"),
    ("nn:0", "nn"),
    ("nn:ten", "nn"),
    ("manual:<script>", "service code"),
    ("__class__:x", "attribute name"),
    ("org_type", "no ':'"),
    ("org_type:acute;org_type:community", "twice"),
    ("region:%zz", "escape"),
    ("region:%ff", "ignored"),
    ("region:a\x00b", "printable"),
])
def test_bad_query_parts_are_reported(text, words):
    defn, problems = from_query(text)
    assert isinstance(defn, PeerDefinition)
    assert len(problems) == 1 and words in problems[0], problems


def test_bad_query_text_falls_back_to_the_default():
    assert from_query("x" * 5000)[0] == DEFAULT_DEFINITION
    assert from_query(12)[0] == DEFAULT_DEFINITION
    defn, problems = from_query("sector:nhs;sector:nhs,public")  # both forms at once
    assert defn == DEFAULT_DEFINITION and problems


def test_invalid_definitions_raise():
    for kwargs in ({"sector": "library"}, {"filters": (("size", ("1",)),)},
                   {"filters": (("org_type", ()),)}, {"filters": (("org_type", (" a",)),)},
                   {"neighbours": 0}, {"neighbours": True}, {"manual": ("a b",)},
                   {"neighbour_attributes": ()}, {"sector": "nhs",
                                                  "filters": (("sector", ("public", "nhs")),)},
                   {"filters": (("region", ("x" * 100,)),) * 1 + tuple(
                       (f"a{i}", tuple(f"{'y' * 90}{j}" for j in range(50))) for i in range(5))}):
        with pytest.raises(ValueError):
            PeerDefinition(**kwargs)
    with pytest.raises(ValueError):
        SizeBand(low=1, quantiles=3)
    with pytest.raises(ValueError):
        SizeBand()
    # One sector given as a filter is the sector field.
    assert PeerDefinition(filters=(("sector", ("nhs",)),)) == PeerDefinition(sector="nhs")


def test_json_round_trip_and_junk():
    defn = PeerDefinition(sector=SAME, filters=(("state", (SAME, "WA")),),
                          size=SizeBand.between(10, 20.5), neighbours=3,
                          neighbour_attributes=("population", "visits"), manual=("P01",))
    assert from_json(to_json(defn)) == (defn, [])
    for junk in ("", "[]", "{}", '{"version": 2}', '{"version": 1, "size": 5}',
                 '{"version": 1, "filters": [["a", "b"]]}', '{"version": 1, "nope": 1}',
                 '{"version": 1, "neighbours": "5"}', "[" * 100000, b"\xff", None, 7):
        got, problems = from_json(junk)
        assert got == DEFAULT_DEFINITION and problems, junk


_names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda n: n not in {"sector", "size", "nn", "nnsrc", "nnby", "nnscale", "manual", "all"})
_value = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")),
                 min_size=1, max_size=30).filter(lambda v: v == v.strip() and v.isprintable())
_code = st.from_regex(r"[A-Za-z0-9_.:\-]{1,20}", fullmatch=True)
_number = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@st.composite
def definitions(draw):
    """Draw any valid PeerDefinition."""
    filters = draw(st.lists(st.tuples(_names, st.lists(_value, min_size=1, max_size=4,
                                                       unique=True).map(tuple)),
                            max_size=4, unique_by=lambda f: f[0]))
    sector = draw(st.one_of(st.none(), st.just(SAME), st.sampled_from(SECTORS)))
    if sector is None and draw(st.booleans()):
        filters.insert(draw(st.integers(0, len(filters))),
                       ("sector", tuple(draw(st.lists(st.sampled_from(SECTORS + (SAME,)),
                                                      min_size=2, max_size=3, unique=True)))))
    size = draw(st.one_of(
        st.none(), st.integers(2, 10).map(SizeBand.quantile),
        st.tuples(st.one_of(st.none(), _number), st.one_of(st.none(), _number)).filter(
            lambda b: b != (None, None) and (None in b or b[0] < b[1])).map(
            lambda b: SizeBand.between(*b))))
    return PeerDefinition(
        sector=sector, filters=tuple(filters), size=size,
        neighbours=draw(st.one_of(st.none(), st.integers(1, 500))),
        neighbour_source=draw(st.sampled_from([COMPUTED, ACE_NEIGHBOURS, "x.y-z_1"])),
        neighbour_attributes=tuple(draw(st.lists(_names | st.just("population"), min_size=1,
                                                 max_size=3, unique=True))),
        neighbour_scale=draw(st.sampled_from(SCALES)),
        manual=tuple(draw(st.lists(_code, max_size=5, unique=True))),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_query_text_round_trips(defn):
    text = to_query(defn)
    assert from_query(text) == (defn, [])
    assert from_json(to_json(defn)) == (defn, [])
    assert describe(defn)


_pieces = st.sampled_from(["sector:", "nn:", "size:", "manual:", "nnby:", "nnsrc:", "q", "..",
                           ";", ":", ",", "=", "%", "%2", "%3B", "all", "any", "org_type", "1e9",
                           "-", "\x00", "é", " "])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(_pieces, max_size=40).map("".join),
                 st.binary(max_size=50), st.integers(), st.lists(st.text(max_size=20))))
def test_junk_query_text_never_raises(junk):
    defn, problems = from_query(junk)
    assert isinstance(defn, PeerDefinition) and isinstance(problems, list)
    assert from_query(to_query(defn)) == (defn, [])
    assert describe(defn)


# ---------------------------------------------------------------------------------------------
# Saved groups and their migration
# ---------------------------------------------------------------------------------------------


def test_saved_groups_crud(peer_db):
    acute = from_query("sector:=;org_type:=;size:q2")[0]
    saved = save_group(peer_db, V, "  Acute like mine ", acute, "manager@example.org")
    assert saved.name == "Acute like mine" and saved.definition == acute
    assert saved.description == ("Services of your sector of the same type as yours, in the "
                                 "same population half as yours")
    assert saved.created_by == "manager@example.org" and saved.created_at is not None
    with pytest.raises(PeerGroupError, match="already exists"):
        save_group(peer_db, V, "Acute like mine", DEFAULT_DEFINITION, "someone")
    save_group(peer_db, V, "All", PeerDefinition(), "someone")
    assert [g.name for g in list_groups(peer_db, V)] == ["Acute like mine", "All"]
    replaced = save_group(peer_db, V, "All", DEFAULT_DEFINITION, "other", replace=True)
    assert replaced.definition == DEFAULT_DEFINITION and replaced.created_by == "other"
    assert load_group(peer_db, V, "All").definition == DEFAULT_DEFINITION
    assert load_group(peer_db, V, "Nope") is None
    assert delete_group(peer_db, V, "All") is True
    assert delete_group(peer_db, V, "All") is False
    assert [g.name for g in list_groups(peer_db, V)] == ["Acute like mine"]
    group = build(peer_db, "N01", load_group(peer_db, V, "Acute like mine").definition)
    assert group.members == ["N02"]  # acute NHS: 1,000, 2,000, 3,000, 8,000; halves at 2,500


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "tab\there", "new\nline", None, 5])
def test_saved_group_names_are_checked(peer_db, name):
    with pytest.raises(PeerGroupError):
        save_group(peer_db, V, name, DEFAULT_DEFINITION, "me")
    assert load_group(peer_db, V, name) is None
    assert delete_group(peer_db, V, name) is False


def test_saved_group_with_unreadable_definition(peer_db):
    with peer_db.session() as session:
        session.add(PeerGroupRecord(name="Broken", definition="{not json", description="",
                                    created_by="sql"))
    saved = load_group(peer_db, V, "Broken")
    assert saved.definition == DEFAULT_DEFINITION and saved.problems


def test_peer_group_migration(empty_db):
    columns = {c["name"] for c in inspect(empty_db.engine).get_columns("peer_group")}
    assert columns == {"id", "name", "definition", "description", "created_at", "created_by"}
    with empty_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "peer_group" in repr(d)] == []
    with empty_db.engine.begin() as conn:
        config = empty_db.alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    assert not inspect(empty_db.engine).has_table("peer_group")
    empty_db.upgrade()
    assert inspect(empty_db.engine).has_table("peer_group")
    with empty_db.engine.connect() as conn:
        head = ScriptDirectory.from_config(empty_db.alembic_config()).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


# ---------------------------------------------------------------------------------------------
# The real IMLS file
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imls_frame() -> pd.DataFrame:
    """The FY2017 file as pandas reads it, every column as text."""
    return pd.read_csv(IMLS_FILE, dtype=str, encoding="latin-1", keep_default_na=False)


def test_imls_state_and_locale_group(imls_db, imls_frame):
    db, _ = imls_db  # the whole FY2017 file, imported once per backend (conftest)
    own = imls_frame[(imls_frame["STABR"] == "NY") & (imls_frame["LOCALE_ADD"] == "21")].iloc[0]
    same = imls_frame[(imls_frame["STABR"] == own["STABR"])
                      & (imls_frame["LOCALE_ADD"] == own["LOCALE_ADD"])
                      & (imls_frame["FSCSKEY"] != own["FSCSKEY"])]
    cands = load_candidates(db, V)
    assert len(cands) == 9245
    group = build_group(db, V, CONFIG, own["FSCSKEY"],
                        from_query("sector:=;state:=;locale:=")[0], candidates=cands)
    assert group.members == sorted(same["FSCSKEY"]) and group.size == len(same) == 243
    assert group.description.startswith("Public services in the same state as yours (NY), "
                                        "with the same locale as yours (Suburb, large)")
    # The same with a quintile band, computed here from the file's POPU_LSA.
    population = pd.to_numeric(imls_frame["POPU_LSA"], errors="coerce")
    pool = population[(imls_frame["STABR"] == "NY") & (imls_frame["LOCALE_ADD"] == "21")
                      & (population >= 0)]
    edges = np.quantile(pool.to_numpy(float), np.arange(6) / 5)
    mine = float(own["POPU_LSA"])
    band = max(i for i in range(5) if edges[i] <= mine)
    high_ok = (pool <= edges[band + 1]) if band == 4 else (pool < edges[band + 1])
    expected = pool[(pool >= edges[band]) & high_ok].index.difference([own.name])
    sized = build_group(db, V, CONFIG, own["FSCSKEY"],
                        from_query("sector:=;state:=;locale:=;size:q5")[0],
                        candidates=cands)
    assert sized.members == sorted(imls_frame.loc[expected, "FSCSKEY"])
    # Building a group from the loaded candidates is fast (the goal: well under 50 ms).
    for text_form in ("sector:=;state:=;locale:=", "sector:=;size:q5;nn:10",
                      "sector:=;legal_basis:=;admin_structure:=;size:q4"):
        defn = from_query(text_form)[0]
        timings = []
        for _ in range(4):  # the first run also computes the candidates' matching keys
            started = time.perf_counter()
            build_group(db, V, CONFIG, own["FSCSKEY"], defn, candidates=cands,
                        reveal=True)
            timings.append(time.perf_counter() - started)
        assert min(timings) < 0.05, (text_form, timings)


def test_imls_nearest_on_population_and_visits(imls_db, imls_frame):
    db, _ = imls_db
    own = imls_frame[(imls_frame["STABR"] == "OH") & (imls_frame["LOCALE_ADD"] == "21")].iloc[0]
    figures = latest_year_values(db, V, ["visits"], sector="public")
    assert len(figures) > 9000 and set(figures["metric"]) == {"visits"}
    assert figures.set_index("code").loc[own["FSCSKEY"], "value"] == float(own["VISITS"])
    # Visits are read from the stored yearly figures; pandas redoes it from the file.
    group = build_group(db, V, CONFIG, own["FSCSKEY"],
                        from_query("sector:=;state:=;nn:8;nnby:population,visits")[0])
    ohio = imls_frame[imls_frame["STABR"] == "OH"]
    numbers = ohio[["POPU_LSA", "VISITS"]].apply(pd.to_numeric, errors="coerce")
    numbers = numbers[(numbers >= 0).all(axis=1)]  # negative codes are missing figures
    scaled = np.log10(1 + numbers)
    z = (scaled - scaled.mean()) / scaled.std(ddof=0)
    distance = np.sqrt(((z - z.loc[own.name]) ** 2).sum(axis=1)).drop(own.name)
    nearest = pd.DataFrame({"code": ohio.loc[distance.index, "FSCSKEY"], "d": distance})
    nearest = nearest.sort_values(["d", "code"]).head(8)
    assert group.members == nearest["code"].tolist()
    assert [group.distances[c] for c in group.members] == pytest.approx(nearest["d"].tolist())
    lacking = len(ohio) - len(numbers)
    assert sum(group.excluded.values()) == lacking
