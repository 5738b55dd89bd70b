import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import levekar.sensitivity as sensitivity
from levekar.catalogue import load_catalogue
from levekar.index import load_index_spec, scores_from_array
from levekar.sensitivity import (
    group_sobol,
    index_scorer,
    index_sobol,
    rank_sobol,
    sobol_indices,
    sobol_of_function,
)
from levekar.uncertainty import UncertaintyOptions

CAT = load_catalogue()
A_, B_ = 7.0, 0.1  # Ishigami constants


def ishigami(u):
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + A_ * np.sin(x[:, 1]) ** 2 + B_ * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_analytic():
    v1 = 0.5 * (1 + B_ * np.pi**4 / 5) ** 2
    v2 = A_**2 / 8
    v13 = 8 * B_**2 * np.pi**8 / 225
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_ishigami_matches_the_analytic_indices():
    s1, st_ = ishigami_analytic()
    assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    assert_allclose(st_, [0.5576, 0.4424, 0.2437], atol=1e-4)
    res = sobol_of_function(ishigami, 3, n=4096, seed=1, resamples=100)
    assert res.evaluations == 4096 * 5
    assert_allclose(res.s1, s1, atol=0.02)
    assert_allclose(res.st, st_, atol=0.02)
    assert np.all(res.s1_low <= res.s1) and np.all(res.s1 <= res.s1_high)
    assert np.all((res.st_low <= st_) & (st_ <= res.st_high))


def test_same_samples_give_salibs_estimates():
    salib_sample = pytest.importorskip("SALib.sample.sobol")
    salib_analyze = pytest.importorskip("SALib.analyze.sobol")
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}
    x = salib_sample.sample(problem, 1024, calc_second_order=False, seed=3)
    y = ishigami(x)
    ref = salib_analyze.analyze(problem, y, calc_second_order=False, num_resamples=200, seed=5)
    rows = y.reshape(1024, 3 + 2)  # SALib's order per row: A, AB_1, ..., AB_D, B
    res = sobol_indices(rows[:, 0], rows[:, -1], rows[:, 1:-1].T, resamples=200, seed=5)
    assert_allclose(res.s1, ref["S1"], rtol=1e-10, atol=1e-12)
    assert_allclose(res.st, ref["ST"], rtol=1e-10, atol=1e-12)
    # Different bootstrap draws and interval kinds (percentile vs normal): widths agree loosely.
    assert_allclose((res.s1_high - res.s1_low) / 2, ref["S1_conf"], rtol=0.35)
    assert_allclose((res.st_high - res.st_low) / 2, ref["ST_conf"], rtol=0.35)
    s1, st_ = ishigami_analytic()
    assert_allclose(ref["S1"], s1, atol=0.03)
    assert_allclose(ref["ST"], st_, atol=0.03)


def g_function_analytic(a):
    vi = 1 / (3 * (1 + a) ** 2)
    v = np.prod(1 + vi) - 1
    return vi / v, vi * np.prod(1 + vi) / (1 + vi) / v


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0, 9.0, 99.0]), min_size=2, max_size=5),
    st.integers(0, 2**16),
)
def test_sums_and_bounds_on_sobols_g_function(a, seed):
    a = np.array(a)

    def g(u):
        return np.prod((np.abs(4 * u - 2) + a) / (1 + a), axis=1)

    res = sobol_of_function(g, len(a), n=2048, seed=seed, resamples=0)
    s1, st_ = g_function_analytic(a)
    tol = 0.06
    assert_allclose(res.s1, s1, atol=tol)
    assert_allclose(res.st, st_, atol=tol)
    assert np.all(res.s1 >= -tol)
    assert np.all(res.s1 <= res.st + tol)
    assert res.s1.sum() <= 1 + tol
    assert res.st.sum() >= 1 - tol  # interactions are counted in every factor they involve


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0.1, 10.0), min_size=1, max_size=4), st.integers(0, 2**16))
def test_an_additive_model_has_no_interactions(coef, seed):
    c = np.array(coef)
    res = sobol_of_function(lambda u: u @ c, len(c), n=1024, seed=seed, resamples=0)
    assert_allclose(res.s1, c**2 / (c**2).sum(), atol=0.03)
    assert_allclose(res.st, res.s1, atol=0.03)
    assert res.s1.sum() == pytest.approx(1.0, abs=0.04)


def test_groups_are_resampled_together():
    # x1 and x3 interact; as one group they carry S1 + S3 + S13 and have no interaction left.
    s1, st_ = ishigami_analytic()
    res = sobol_of_function(ishigami, 3, n=4096, groups={"x13": [0, 2], "x2": [1]}, resamples=0)
    assert_allclose(res.s1, [st_[0], s1[1]], atol=0.02)
    assert_allclose(res.st, res.s1, atol=0.02)
    # The same with pre-drawn realisations (plain random numbers) picked by index.
    samplers = {"x13": lambda m, rng: rng.random((m, 2)), "x2": lambda m, rng: rng.random(m)}
    res2 = group_sobol(
        samplers,
        lambda r: ishigami(np.c_[r["x13"][:, 0], r["x2"], r["x13"][:, 1]]),
        n=4096,
        seed=2,
        resamples=0,
    )
    assert res2.groups == ("x13", "x2")
    assert_allclose(res2.s1, res.s1, atol=0.05)


def test_a_group_with_no_effect_has_zero_indices_and_a_constant_output_nan():
    samplers = {
        "x": lambda m, rng: rng.normal(size=m),
        "dummy": lambda m, rng: rng.integers(0, 5, m),
    }
    res = group_sobol(samplers, lambda r: np.c_[r["x"], np.ones_like(r["x"])], n=1024, resamples=50)
    assert res.s1.shape == (2, 2)
    assert_array_equal(res.s1[1, 0], 0.0)
    assert_array_equal(res.st[1, 0], 0.0)
    assert res.s1[0, 0] == pytest.approx(1.0, abs=0.15)
    assert res.st[0, 0] == pytest.approx(1.0, abs=0.1)
    assert res.variance[1] == 0
    assert np.isnan(res.s1[:, 1]).all() and np.isnan(res.st_high[:, 1]).all()
    frame = res.to_frame(["y", "const"])
    assert list(frame.columns) == [
        "output",
        "group",
        "s1",
        "s1_low",
        "s1_high",
        "st",
        "st_low",
        "st_high",
        "interaction",
        "mean",
        "variance",
    ]
    assert len(frame) == 4


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"\(g, N, \.\.\.\)"):
        sobol_indices(np.zeros(4), np.zeros(4), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="unknown factor group"):
        rank_sobol(lambda **kw: None, {"colour": lambda m, rng: rng.random(m)}, areas=["a"])
    with pytest.raises(ValueError, match="leading axis"):
        group_sobol({"x": lambda m, rng: rng.random(3)}, lambda r: r["x"], n=4)


# --- the levekar application: 6 areas x 4 indicators -------------------------------------------

INDICATORS = {
    "lavinntekt": "inntekt",
    "hoy_gjeld": "inntekt",
    "arbeidsledighet": "sysselsetting",
    "aap": "sysselsetting",
}
AREAS = ["A", "B", "C", "D", "E", "F"]
METHODS = ["z/weighted_mean", "minmax/weighted_mean", "rank/weighted_mean"]


def toy_data():
    # A is far worse than everyone on every indicator (always ranked first); B-F are close.
    from conftest import year_from_shares

    share = {"A": 0.45, "B": 0.12, "C": 0.11, "D": 0.10, "E": 0.09, "F": 0.06}
    den = {"A": 5000, "B": 300, "C": 250, "D": 400, "E": 200, "F": 350}
    tilt = np.linspace(-0.02, 0.02, 4)
    shares = {}
    for a in AREAS:
        shares[a] = {}
        for t, ind in zip(tilt, INDICATORS, strict=True):
            p = share[a] + (t if a in "BD" else -t if a in "CE" else 0.0)
            shares[a][ind] = round(p * den[a]) / den[a]
    return year_from_shares(shares, den)


def toy_spec():
    return load_index_spec(
        {
            "normalisation": "z",
            "aggregation": "weighted_mean",
            "indicators": [
                {"column": i, "domain": d, "weight": 1.0} for i, d in INDICATORS.items()
            ],
            "domains": {"normalisation": "none", "aggregation": "weighted_mean"},
        }
    )


@pytest.fixture(scope="module")
def toy_sobol():
    return index_sobol(
        toy_data(),
        toy_spec(),
        CAT,
        areas=AREAS,
        n=512,
        seed=4,
        resamples=100,
        options=UncertaintyOptions(
            weight_concentration=20.0, methods=tuple(METHODS), leave_one_out=True
        ),
    )


def test_index_sobol_on_a_small_case(toy_sobol):
    t = toy_sobol
    assert t.attrs["evaluations"] == 512 * 6
    assert set(t["group"]) == {"sampling", "weights", "method", "indicator_set"}
    first = t[t["code"] == "A"]
    assert (first["mean"] == 1).all() and (first["variance"] == 0).all()
    assert first[["s1", "st", "s1_low", "st_high"]].isna().all().all()  # no variance: NaN, not 0
    assert t.loc[t["code"] != "A", ["s1", "st"]].notna().all().all()
    # F is almost always last: its small variance rests on a few runs, and its indices are
    # noisy. The bounds are checked where the rank really varies (held for seeds 0-19).
    rest = t[t["variance"] > 0.1]
    assert set(rest["code"]) == {"B", "C", "D", "E"}
    tol = 0.12  # Monte Carlo error at n = 512
    assert rest["s1"].between(-tol, 1 + tol).all() and rest["st"].between(-tol, 1 + tol).all()
    assert (rest["s1"] <= rest["st"] + tol).all()
    assert (rest.groupby("code")["s1"].sum() <= 1 + tol).all()
    assert (rest.groupby("code")["st"].sum() >= 1 - tol).all()
    # Close shares on few hundred people: sampling moves the ranks of B-F most.
    main = rest.loc[rest.groupby("code")["st"].idxmax(), "group"]
    assert (main == "sampling").sum() >= 3


def test_index_sobol_is_deterministic_and_methods_that_agree_have_no_effect(toy_sobol):
    again = index_sobol(
        toy_data(),
        toy_spec(),
        CAT,
        areas=AREAS,
        n=512,
        seed=4,
        resamples=100,
        options=UncertaintyOptions(
            weight_concentration=20.0, methods=tuple(METHODS), leave_one_out=True
        ),
    )
    pd.testing.assert_frame_equal(again, toy_sobol)
    same = index_sobol(
        toy_data(),
        toy_spec(),
        CAT,
        areas=AREAS,
        n=64,
        seed=1,
        resamples=0,
        output="top_k",
        k=2,
        options=UncertaintyOptions(methods=("z/weighted_mean",) * 2),
    )
    method = same[(same["group"] == "method") & (same["variance"] > 0)]
    assert not method.empty and (method["s1"] == 0).all() and (method["st"] == 0).all()
    assert same["mean"].between(0, 1).all()  # P(among the 2 worst)
    assert same.groupby("group")["mean"].sum().eq(2).all()  # exactly k areas in the top k


def test_index_scorer_reproduces_the_point_index():
    spec = toy_spec()
    wide = toy_data().value
    scorer = index_scorer(spec, observed=wide, methods=METHODS)
    got = scorer(method_index=np.array([0, 2]))
    assert_allclose(got[0], scores_from_array(wide, spec)[1])
    rank_spec = spec.model_copy(update={"normalisation": "rank"})
    assert_allclose(got[1], scores_from_array(wide, rank_spec)[1])
    dropped = scorer(drop_index=np.array([0]))[0]
    w = np.array([0.0, 1, 1, 1]) / 3
    assert_allclose(dropped, scores_from_array(wide, spec, weights=w)[1])


def test_docstring_examples():
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(sensitivity, optionflags=flags)
    assert result.attempted > 0 and result.failed == 0


def test_the_run_reports_sobol_indices_for_the_areas_near_the_boundary(demo_results):
    from levekar.publish import report_inputs
    from levekar.render.report import render_report
    from levekar.selection import boundary_areas

    s = demo_results.sobol
    near = set(boundary_areas(demo_results.selection, demo_results.rule))
    assert set(s["code"]) == near and len(near) >= 1
    assert set(s["group"]) == {"sampling", "weights", "method", "indicator_set"}
    tol = 0.2  # Monte Carlo error at n = 128
    assert s["s1"].between(-tol, 1 + tol).all() and s["st"].between(-tol, 1 + tol).all()
    assert (s["s1"] <= s["st"] + tol).all()
    page = render_report(report_inputs(demo_results), b"")
    assert "Hva usikkerheten kommer av" in page and "Med samspill" in page
