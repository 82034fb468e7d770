"""CLV fits whose maximum lies at the boundary of the parameter space
(orchestration/clv/btyd.py, "Boundaries"): one dropout probability for
everyone, no dropout, no spend heterogeneity, one spend for everyone.

The limiting likelihoods and their gradients; the limit is the right one
(the interior formulas at huge a, b or q give the same numbers); simulated
populations at each boundary give back their parameters and the limiting
model's closed forms; the pipeline writes finite scores and a note.

With the truth at a boundary the maximum-likelihood estimate lands on it
in only part of the samples (a third to a half of the seeds we tried; the
others give a large but finite a + b or q, an interior fit that is also
right): the seeds below are samples that land on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.clv import btyd
from orchestration.clv.btyd import (
    ClvFitError,
    Fit,
    expected_purchases,
    expected_spend,
    fit_gamma_gamma,
    fit_purchases,
    p_alive,
)
from orchestration.clv.pipeline import ClvSettings, run_clv
from orchestration.clv.simulation import simulate_bg_nbd, simulate_fixed_dropout, simulate_mean_spend

FIXED_DROPOUT = {"r": 0.8, "alpha": 4.0, "dropout_probability": 0.3}
SPEND = {"p": 4.0, "nu": 0.2}


def fixed_dropout_population(model: str, dropout_probability: float, seed: int, n: int = 3000,
                             r: float = 0.8, alpha: float = 4.0):
    """n customers with ages of 10 to 104 weeks."""
    age = np.random.default_rng(seed).uniform(10, 104, n)
    return simulate_fixed_dropout(n, r, alpha, dropout_probability, age, seed=seed, model=model)


def spend_population(n: int, seed: int):
    x = np.random.default_rng(seed).integers(1, 10, n).astype(float)
    return x, simulate_mean_spend(x, SPEND["p"], SPEND["nu"], seed=seed)


def closed_form_p_alive(model, r, alpha, pi, x, t_x, T):
    odds = pi / (1 - pi) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    alive = 1 / (1 + odds)
    return alive if model == "mbg_nbd" else np.where(x > 0, alive, 1.0)


def closed_form_expected_purchases(model, r, alpha, pi, t, x, t_x, T):
    return closed_form_p_alive(model, r, alpha, pi, x, t_x, T) \
        * (1 - ((alpha + T) / (alpha + T + pi * t)) ** (r + x)) / pi


def assert_within_three_standard_errors(fit: Fit, truth: dict[str, float]):
    for name, value in truth.items():
        assert abs(fit.parameters[name] - value) < 3 * fit.standard_errors[name], (name, fit)


# --------------------------------------------------------------------------
# the limiting likelihoods
# --------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["bg_nbd", "mbg_nbd"])
@pytest.mark.parametrize("pi", [0.25, 0.0])
def test_fixed_dropout_gradient_matches_finite_differences(model, pi):
    x, t_x, T = simulate_bg_nbd(300, 0.5, 5.0, 0.8, 2.5, 40.0)
    xs, counts = btyd._by_frequency(x)
    params = np.array([0.6, 4.0, pi])

    def loglik(values):
        return btyd._fixed_dropout_loglik(values, x, t_x, T, xs, counts, model, False)[0]

    _, grad = btyd._fixed_dropout_loglik(params, x, t_x, T, xs, counts, model, True)
    for j in range(3):
        step = np.zeros(3)
        if params[j] > 0:
            step[j] = 1e-6 * params[j]
            numeric = (loglik(params + step) - loglik(params - step)) / (2 * step[j])
            assert grad[j] == pytest.approx(numeric, rel=1e-5)
        else:  # pi = 0 is the bound: one-sided, second order
            step[j] = 1e-9
            numeric = (4 * loglik(params + step) - loglik(params + 2 * step) - 3 * loglik(params)) / (2 * step[j])
            assert grad[j] == pytest.approx(numeric, rel=1e-5)


def test_spend_rate_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 200).astype(float)
    m = rng.gamma(4.0, 10.0, 200)
    xs, counts = btyd._by_frequency(x)
    constant = btyd._gamma_gamma_constants(x, m)
    params = np.array([5.0, 0.12])
    _, grad = btyd._spend_rate_loglik(params, xs, counts, constant, True)
    for j in range(2):
        step = np.zeros(2)
        step[j] = 1e-6 * params[j]
        up = btyd._spend_rate_loglik(params + step, xs, counts, constant, False)[0]
        down = btyd._spend_rate_loglik(params - step, xs, counts, constant, False)[0]
        assert grad[j] == pytest.approx((up - down) / (2 * step[j]), rel=1e-5)


@pytest.mark.parametrize("model", ["bg_nbd", "mbg_nbd"])
def test_the_fixed_dropout_likelihood_is_the_interior_one_at_the_boundary(model):
    """a, b -> infinity with a/(a+b) = pi; and pi = 0 (the NBD), which the
    interior also reaches as a -> 0."""
    x, t_x, T = fixed_dropout_population(model, 0.2, seed=3, n=1000)
    xs, counts = btyd._by_frequency(x)

    def limit(pi):
        return btyd._fixed_dropout_loglik(np.array([0.8, 4.0, pi]), x, t_x, T, xs, counts, model, False)[0]

    def interior(a, b):
        return btyd._purchase_loglik(np.array([0.8, 4.0, a, b]), x, t_x, T, xs, counts, model, False)[0]

    for pi in (0.2, 0.01):
        assert interior(1e6 * pi, 1e6 * (1 - pi)) == pytest.approx(limit(pi), abs=1e-3)
    assert interior(1e-20, 2.5) == pytest.approx(limit(0.0), abs=1e-6)


def test_the_spend_rate_likelihood_is_the_gamma_gamma_one_at_huge_q():
    x, m = spend_population(300, seed=2)
    xs, counts = btyd._by_frequency(x)
    constant = btyd._gamma_gamma_constants(x, m)
    limit = btyd._spend_rate_loglik(np.array([4.0, 0.25]), xs, counts, constant, False)[0]
    interior = btyd._gamma_gamma_loglik(np.array([4.0, 1e8, 1e8 / 0.25]), x, m, xs, counts, constant, False)[0]
    assert interior == pytest.approx(limit, abs=1e-3)


# --------------------------------------------------------------------------
# the limit is the right one: interior predictions at huge a, b and q
# --------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["bg_nbd", "mbg_nbd"])
def test_interior_predictions_at_the_boundary_are_the_limit_ones(model):
    x, t_x, T = fixed_dropout_population(model, 0.2, seed=3, n=1000)
    r, alpha, pi = 0.8, 4.0, 0.2
    limit = Fit(model, {"r": r, "alpha": alpha, "dropout_probability": pi}, {}, 0.0, 0, 0, limit="fixed_dropout")
    interior = Fit(model, {"r": r, "alpha": alpha, "a": 1e7 * pi, "b": 1e7 * (1 - pi)}, {}, 0.0, 0, 0)
    np.testing.assert_allclose(p_alive(interior, x, t_x, T), p_alive(limit, x, t_x, T), rtol=1e-4)
    np.testing.assert_allclose(expected_purchases(interior, 40.0, x, t_x, T),
                               expected_purchases(limit, 40.0, x, t_x, T), rtol=1e-4)
    no_dropout = Fit(model, {"r": r, "alpha": alpha}, {}, 0.0, 0, 0, limit="no_dropout")
    a_to_zero = Fit(model, {"r": r, "alpha": alpha, "a": 1e-20, "b": 2.5}, {}, 0.0, 0, 0)
    np.testing.assert_allclose(p_alive(a_to_zero, x, t_x, T), p_alive(no_dropout, x, t_x, T), rtol=1e-9)
    np.testing.assert_allclose(expected_purchases(a_to_zero, 40.0, x, t_x, T),
                               expected_purchases(no_dropout, 40.0, x, t_x, T), rtol=1e-9)


def test_interior_expected_spend_at_huge_q_is_the_spend_rate_one():
    x, m = spend_population(300, seed=2)
    interior = Fit("gamma_gamma", {"p": 4.0, "q": 1e8, "gamma": 1e8 / 0.25}, {}, 0.0, 0, 0)
    limit = Fit("gamma_gamma", {"p": 4.0, "nu": 0.25}, {}, 0.0, 0, 0, limit="no_spend_heterogeneity")
    np.testing.assert_allclose(expected_spend(interior, x, m), expected_spend(limit, x, m), rtol=1e-6)
    assert np.all(expected_spend(limit, x, m) == 16.0)


def test_expected_purchases_at_a_fixed_dropout_match_a_simulation():
    """MBG/NBD, a customer without a repeat purchase by T, by Monte Carlo of
    the story conditioned on x = 0: dropped right after the first purchase, or
    alive with no purchase by T (then, memoryless, the purchases restart at T)."""
    r, alpha, pi = 0.8, 4.0, 0.3
    fit = Fit("mbg_nbd", {"r": r, "alpha": alpha, "dropout_probability": pi}, {}, 0.0, 0, 0,
              limit="fixed_dropout")
    rng = np.random.default_rng(11)
    n, horizon, T = 400_000, 30.0, 20.0
    lam = rng.gamma(r, 1 / alpha, n)
    alive = rng.random(n) >= pi
    no_purchase_by_T = rng.exponential(1 / lam) > T
    keep = ~alive | no_purchase_by_T
    lam, alive = lam[keep], alive[keep]
    assert p_alive(fit, [0.0], [0.0], [T])[0] == pytest.approx(alive.mean(), rel=0.01)
    counts = np.zeros(len(lam))
    clock = np.zeros(len(lam))
    while alive.any():
        clock[alive] += rng.exponential(1 / lam[alive])
        bought = alive & (clock <= horizon)
        counts[bought] += 1
        alive = bought & (rng.random(len(lam)) >= pi)
    assert expected_purchases(fit, horizon, [0.0], [0.0], [T])[0] == pytest.approx(counts.mean(), rel=0.02)


# --------------------------------------------------------------------------
# populations at the boundary give back their parameters
# --------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["bg_nbd", "mbg_nbd"])
def test_one_dropout_probability_for_everyone_is_fitted_by_the_fixed_dropout_limit(model):
    x, t_x, T = fixed_dropout_population(model, FIXED_DROPOUT["dropout_probability"], seed=4)
    fit = fit_purchases(x, t_x, T, model)
    assert fit.limit == "fixed_dropout"
    assert set(fit.parameters) == set(FIXED_DROPOUT)
    assert_within_three_standard_errors(fit, FIXED_DROPOUT)
    assert any(note.startswith("boundary fit (limit fixed_dropout): no heterogeneity in dropout")
               for note in fit.notes)
    r, alpha, pi = (fit.parameters[name] for name in FIXED_DROPOUT)
    np.testing.assert_allclose(p_alive(fit, x, t_x, T), closed_form_p_alive(model, r, alpha, pi, x, t_x, T),
                               rtol=1e-12)
    np.testing.assert_allclose(expected_purchases(fit, 52.0, x, t_x, T),
                               closed_form_expected_purchases(model, r, alpha, pi, 52.0, x, t_x, T), rtol=1e-10)
    # the interior model is nested: its supremum is the limit's log-likelihood
    xs, counts = btyd._by_frequency(x)
    near = btyd._purchase_loglik(np.array([r, alpha, 1e6 * pi, 1e6 * (1 - pi)]), x, t_x, T, xs, counts, model,
                                 False)[0]
    assert near <= fit.log_likelihood + 1e-3


@pytest.mark.parametrize("model", ["bg_nbd", "mbg_nbd"])
def test_a_population_without_dropout_is_fitted_by_the_nbd(model):
    x, t_x, T = fixed_dropout_population(model, 0.0, seed=0)
    fit = fit_purchases(x, t_x, T, model)
    assert fit.limit == "no_dropout"
    assert set(fit.parameters) == {"r", "alpha"}
    assert_within_three_standard_errors(fit, {"r": 0.8, "alpha": 4.0})
    assert any("boundary fit (limit no_dropout)" in note for note in fit.notes)
    r, alpha = fit.parameters["r"], fit.parameters["alpha"]
    assert np.all(p_alive(fit, x, t_x, T) == 1.0)
    np.testing.assert_allclose(expected_purchases(fit, 52.0, x, t_x, T), 52.0 * (r + x) / (alpha + T), rtol=1e-12)


def test_an_interior_fit_that_diverges_answers_with_the_limit(monkeypatch):
    """The issue: the interior fit stops without converging at a, b ~ 1e13
    (and for Gamma-Gamma at q ~ 1e66), or, on another machine's floating
    point, converges far out; either way the limit answers."""
    failures = []
    maximise = btyd._maximise

    def recording(*args, **kwargs):
        try:
            return maximise(*args, **kwargs)
        except ClvFitError as error:
            failures.append(error)
            raise

    monkeypatch.setattr(btyd, "_maximise", recording)
    x, t_x, T = fixed_dropout_population("bg_nbd", 0.5, seed=4, r=0.5, alpha=2.0)
    fit = fit_purchases(x, t_x, T, "bg_nbd")
    assert fit.limit == "fixed_dropout"
    assert_within_three_standard_errors(fit, {"r": 0.5, "alpha": 2.0, "dropout_probability": 0.5})

    x, m = spend_population(1000, seed=5)
    spend = fit_gamma_gamma(x, m)
    assert spend.limit == "no_spend_heterogeneity"
    assert_within_three_standard_errors(spend, SPEND)
    # where an interior fit failed, it had run past the boundary
    assert all("did not converge" in str(failure) for failure in failures)
    assert all(btyd._dropout_degenerate(failure.last_parameters) if "a" in failure.last_parameters
               else failure.last_parameters["q"] > btyd.DEGENERATE_AT for failure in failures)


def _fit(log_likelihood: float, **parameters) -> Fit:
    return Fit("bg_nbd", parameters, {}, log_likelihood, 100, 10, [])


@pytest.mark.parametrize("interior, expected", [
    # the interior stopped without converging beyond the boundary: the limit, started where it stopped
    (ClvFitError("did not converge", {"a": 1e13, "b": 1e13}), "limit"),
    # converged far out, below the limit's log-likelihood (the limit is its supremum): the limit
    (_fit(-100.0, a=7e5, b=5e5), "limit"),
    # converged far out but clearly better than the limit: the interior
    (_fit(-99.0, a=7e5, b=5e5), "interior"),
    # converged inside: the interior, the limit is not fitted
    (_fit(-120.0, a=1.0, b=2.0), "interior"),
])
def test_interior_or_limit_decides_by_the_boundary_and_the_likelihood(interior, expected):
    started_from = []
    limit = _fit(-99.99999, r=1.0, alpha=1.0, dropout_probability=0.5)

    def fit_interior():
        if isinstance(interior, Exception):
            raise interior
        return interior

    def fit_limit(parameters):
        started_from.append(parameters)
        return limit

    chosen = btyd._interior_or_limit(fit_interior, btyd._dropout_degenerate, lambda p: p["a"] + p["b"], fit_limit)
    assert chosen is (limit if expected == "limit" else interior)
    if isinstance(interior, Exception):
        assert started_from == [interior.last_parameters]
    assert bool(started_from) == (expected == "limit" or interior.parameters["a"] > 1e3)


def test_an_interior_fit_that_fails_inside_the_boundary_is_not_answered_by_the_limit():
    def fit_interior():
        raise ClvFitError("did not converge", {"a": 1.0, "b": 2.0})

    with pytest.raises(ClvFitError, match="did not converge"):
        btyd._interior_or_limit(fit_interior, btyd._dropout_degenerate, lambda p: p["a"] + p["b"],
                                lambda parameters: pytest.fail("the limit must not be fitted"))


def test_an_interior_fit_that_fails_away_from_the_boundary_still_fails(monkeypatch):
    monkeypatch.setattr(btyd, "MAX_ITERATIONS", 1)
    x, t_x, T = fixed_dropout_population("mbg_nbd", 0.3, seed=4)
    with pytest.raises(ClvFitError, match="^mbg_nbd did not converge after 1 iterations"):
        fit_purchases(x, t_x, T, "mbg_nbd")


def test_spend_without_heterogeneity_is_fitted_by_the_spend_rate_limit():
    x, m = spend_population(3000, seed=4)
    fit = fit_gamma_gamma(x, m)
    assert fit.limit == "no_spend_heterogeneity"
    assert set(fit.parameters) == {"p", "nu"}
    assert_within_three_standard_errors(fit, SPEND)
    assert any("boundary fit (limit no_spend_heterogeneity)" in note for note in fit.notes)
    everyone = np.r_[x, 0.0, 3.0], np.r_[m, np.nan, -4.0]  # also one-time buyers and returns
    assert np.all(expected_spend(fit, *everyone) == fit.parameters["p"] / fit.parameters["nu"])


def test_identical_spend_is_that_spend_for_everyone():
    """A subscription at one price: every repeat buyer's mean spend is 19.99."""
    x = np.r_[np.random.default_rng(1).integers(1, 12, 500), 0, 4].astype(float)
    m = np.r_[np.full(500, 19.99) * (1 + 1e-12 * np.random.default_rng(2).standard_normal(500)), np.nan, -5.0]
    fit = fit_gamma_gamma(x, m)
    assert fit.limit == "constant_spend" and fit.n_customers == 500
    assert fit.parameters == {"spend": pytest.approx(19.99, rel=1e-12)}
    assert fit.standard_errors == {} and fit.log_likelihood == 0.0
    assert "1 repeat buyers" in fit.notes[0] and "limit constant_spend" in fit.notes[1]
    assert np.all(expected_spend(fit, x, m) == fit.parameters["spend"])


def test_an_interior_population_keeps_the_interior_fits():
    x, t_x, T = simulate_bg_nbd(3000, 0.5, 5.0, 0.8, 2.5, np.random.default_rng(1).uniform(10, 104, 3000))
    for model in ("bg_nbd", "mbg_nbd"):
        fit = fit_purchases(x, t_x, T, model)
        assert fit.limit is None and set(fit.parameters) == {"r", "alpha", "a", "b"}
        assert not any("boundary" in note for note in fit.notes)
    nu = np.random.default_rng(2).gamma(3.7, 1 / 15.4, len(x))
    spend = fit_gamma_gamma(x, simulate_mean_spend(x, 6.25, nu, seed=3))
    assert spend.limit is None and set(spend.parameters) == {"p", "q", "gamma"}


# --------------------------------------------------------------------------
# the pipeline: finite scores and a note in clv_model_parameters
# --------------------------------------------------------------------------

def boundary_summary(x, t_x, T, mean_spend) -> pd.DataFrame:
    """A BTYD summary of the columns run_clv reads; the calibration window
    repeats the full one (what matters here is that both fits are at the boundary)."""
    n = len(x)
    frame = pd.DataFrame({
        "customer_id": [f"c{i:05d}" for i in range(n)],
        "as_of_date": pd.Timestamp("2026-06-30"),
        "frequency": x, "recency": t_x, "age": T, "mean_repeat_spend_amount": mean_spend,
        "first_purchase_date": pd.Timestamp("2026-06-30") - pd.to_timedelta(T * 7, unit="D"),
        "window_end_date": pd.Timestamp("2026-06-30"),
        "holdout_end_date": pd.Timestamp("2026-06-30"),
    })
    holdout = np.random.default_rng(0).poisson(0.5, n)
    return pd.concat([
        frame.assign(fit_window="full", holdout_frequency=np.nan, holdout_amount=np.nan),
        frame.assign(fit_window="calibration", holdout_frequency=holdout, holdout_amount=holdout * 19.99),
    ], ignore_index=True)


@pytest.mark.parametrize(("model", "dropout_probability", "spend", "limits"), [
    ("mbg_nbd", 0.3, "identical", ("fixed_dropout", "constant_spend")),
    ("bg_nbd", 0.0, "one rate", ("no_dropout", "no_spend_heterogeneity")),
])
def test_run_clv_at_the_boundary_scores_every_customer_and_notes_the_limit(model, dropout_probability, spend,
                                                                          limits):
    x, t_x, T = fixed_dropout_population(model, dropout_probability, seed=4 if dropout_probability else 0)
    if spend == "identical":
        mean_spend = np.where(x > 0, 19.99, np.nan)
    else:
        mean_spend = simulate_mean_spend(x, SPEND["p"], SPEND["nu"], seed=4)
    result = run_clv(boundary_summary(x, t_x, T, mean_spend), ClvSettings(purchase_model=model))
    assert [result.fits[key].limit for key in ("purchases", "spend", "calibration_purchases",
                                               "calibration_spend")] == [*limits, *limits]
    clv = result.customer_clv
    assert len(clv) == len(x)
    for column in ("p_alive", "expected_purchases", "expected_spend_per_purchase_amount", "discounted_clv_amount"):
        assert np.all(np.isfinite(clv[column])) and np.all(clv[column] >= 0), column
    assert clv["discounted_clv_amount"].sum() > 0
    parameters = result.model_parameters
    assert np.all(np.isfinite(parameters["value"].astype(float)))
    for fit_window in ("full", "calibration"):
        rows = parameters[parameters["fit_window"] == fit_window]
        for model_name, limit in zip((model, "gamma_gamma"), limits):
            notes = rows.loc[rows["model"] == model_name, "notes"]
            assert notes.str.contains(f"boundary fit (limit {limit})", regex=False).all(), (fit_window, limit)
    purchase_parameters = set(parameters.loc[parameters["model"] == model, "parameter"])
    assert purchase_parameters == ({"r", "alpha", "dropout_probability"} if dropout_probability else {"r", "alpha"})
    assert np.all(np.isfinite(result.holdout_report["predicted_repeat_purchases"].astype(float)))
