"""Maximum-likelihood BG/NBD, MBG/NBD and Gamma-Gamma, vectorised with numpy.

Why not a library (docs/clv.md): lifetimes is
unmaintained and breaks on import with new setuptools; pymc-marketing needed
about 47 s for a MAP fit of CDNOW here (mostly compilation) and its default
priors move a and b away from the maximum-likelihood values the literature
reports. The three likelihoods are a few lines each. With analytic gradients
(L-BFGS-B on log-parameters; a dropout probability directly, bounded to
[0, 1)) and the gamma-function terms evaluated once per distinct frequency,
a fit is a handful of passes over a few numpy arrays: seconds on a million
customers (benchmarks/clv_fit.py).

Notation of Fader, Hardie and Lee (2005): x repeat purchases, t_x recency,
T age (both in the summary's time unit), m mean spend per repeat purchase.
- BG/NBD: purchases Poisson(lambda) with lambda ~ Gamma(r, alpha); after each
  repeat purchase the customer drops out with probability p ~ Beta(a, b).
  A customer without a repeat purchase is alive with probability 1.
- MBG/NBD (Batislam, Denizel and Filiztekin 2007): the customer may also drop
  out right after the first purchase, so one-time buyers get a P(alive) below 1.
- Gamma-Gamma (Fader, Hardie and Lee 2005b): spend per purchase
  ~ Gamma(p, nu), nu ~ Gamma(q, gamma); fitted on customers with x > 0, m > 0.

Boundaries. The maximum of a likelihood may lie at the edge of the parameter
space, where a mixing distribution degenerates to a point mass; the interior
fit then runs its parameters off to infinity (or to zero) and converges
there or stops without converging. Either way, when its parameters end
beyond DEGENERATE_AT, the fit also fits the limiting model, from where the
interior stopped, and answers with it unless the interior converged with a
clearly higher log-likelihood (Fit.limit names the limit; None: interior):
- "fixed_dropout" (purchase models): a, b -> infinity with a/(a+b) = pi:
  every customer drops out with the same probability pi. Parameters r, alpha,
  dropout_probability. P(alive) = 1 / (1 + pi/(1-pi) ((alpha+T)/(alpha+t_x))^(r+x))
  (BG/NBD: 1 for x = 0); expected purchases in (T, T+t]
  P(alive) [1 - ((alpha+T)/(alpha+T+pi t))^(r+x)] / pi.
- "no_dropout": the same with pi = 0 (also reached as a -> 0): the NBD model,
  parameters r and alpha; P(alive) = 1, expected purchases t (r+x)/(alpha+T).
- "no_spend_heterogeneity" (Gamma-Gamma): q, gamma -> infinity with
  q/gamma = nu: spend per purchase ~ Gamma(p, nu) for everyone, parameters
  p and nu; expected spend per purchase p/nu for every customer.
- "constant_spend": every customer has the same mean repeat spend; the
  likelihood has no finite maximum (a point mass), and the expected spend per
  purchase is that spend for everyone.
The limiting likelihoods keep the interior ones' constants, so their
log-likelihoods compare: the limit is the supremum of the interior's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

PURCHASE_MODELS = ("bg_nbd", "mbg_nbd")
MODEL_NAMES = {"bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD"}
MAX_ITERATIONS = 2000
GRADIENT_TOLERANCE = 1e-6
# a mixing distribution may be a point mass beyond this: a + b or q above it, or
# a mean dropout probability a/(a+b) below its inverse. Then the limiting model
# is fitted too and answers unless the interior is clearly better (higher
# log-likelihood). The likelihood is nearly flat out there, so where the
# interior optimiser stops (1e5? 1e7?) depends on the machine's floating point:
# 1e6 let one machine keep an unconverged interior at a + b = 7e5 whose
# log-likelihood was below the limit's. A low threshold only costs a second fit.
DEGENERATE_AT = 1e4
# every customer has the same mean spend when max/min - 1 is below this
IDENTICAL_SPEND = 1e-9
PROBABILITY_CEILING = 1.0 - 1e-9


class ClvFitError(RuntimeError):
    """A fit that did not converge or has nothing to fit: the caller keeps the previous CLV.
    last_parameters: where the optimiser stopped, when it ran."""

    def __init__(self, message: str, last_parameters: dict[str, float] | None = None):
        super().__init__(message)
        self.last_parameters = last_parameters


@dataclass(frozen=True)
class Fit:
    """parameters are the fitted model's: (r, alpha, a, b) or (p, q, gamma) in
    the interior; at a boundary the limiting model's (limit, see the module
    docstring): (r, alpha, dropout_probability), (r, alpha), (p, nu) or
    (spend). The constant-spend limit has no standard errors and
    log_likelihood 0: the point mass gives the observed spends probability 1."""

    model: str
    parameters: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_customers: int
    iterations: int
    notes: list[str] = field(default_factory=list)
    limit: str | None = None


def _by_frequency(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct frequencies and how many customers have each: the gamma-function
    terms depend on x alone, so they are summed over distinct values."""
    values, counts = np.unique(x, return_counts=True)
    return values.astype(float), counts.astype(float)


def _check_summary(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if not (x.shape == t_x.shape == T.shape) or x.ndim != 1:
        raise ValueError("frequency, recency and age must be 1-d arrays of one length")
    if len(x) == 0:
        raise ClvFitError("no customers to fit: the BTYD summary is empty")
    bad = (x < 0) | (t_x < 0) | (T < t_x) | ~np.isfinite(x + t_x + T)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} customers have frequency < 0, recency < 0 or age < recency")
    return x, t_x, T


# --------------------------------------------------------------------------
# purchase models: log-likelihood and gradient in (r, alpha, a, b), and in
# (r, alpha, pi) for the limit with one dropout probability
# --------------------------------------------------------------------------

def _can_drop(x: np.ndarray, model: str) -> np.ndarray:
    """Who may have dropped out already: MBG/NBD everyone, BG/NBD repeat buyers."""
    return np.ones_like(x, dtype=bool) if model == "mbg_nbd" else x > 0


def _drop_denominator(b, x: np.ndarray, model: str) -> np.ndarray:
    """b + x + shift - 1: the weight of "dropped out after t_x" relative to
    "alive at T" is a over this (Beta-function ratios; BG/NBD: for x > 0)."""
    return b + x if model == "mbg_nbd" else b + np.maximum(x, 1.0) - 1.0


def _rates_and_mixture(r, alpha, x, t_x, T, xs, counts, log_drop_weight, gradient: bool):
    """What both purchase likelihoods share: the Gamma(r, alpha) mixture of
    purchase rates, sum[lgamma(r+x) - lgamma(r)] + n r log(alpha), and per
    customer log[(alpha+T)^-(r+x) + w (alpha+t_x)^-(r+x)]: alive at T, or
    dropped out right after t_x with relative weight w (log w = -inf: cannot
    have dropped). With the gradient: d/dr, d/dalpha and the dropped branch's
    share of each customer's likelihood (d/d log w)."""
    n = counts.sum()
    ll = (counts * (gammaln(r + xs) - gammaln(r))).sum() + n * r * np.log(alpha)
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + t_x)
    alive = -(r + x) * log_alpha_T
    dropped = log_drop_weight - (r + x) * log_alpha_tx
    top = np.maximum(alive, dropped)
    mix = np.exp(alive - top) + np.exp(dropped - top)
    ll += (top + np.log(mix)).sum()
    if not gradient:
        return ll, None
    dropped_share = np.exp(dropped - top) / mix
    alive_share = 1.0 - dropped_share
    d_r = (counts * (digamma(r + xs) - digamma(r))).sum() + n * np.log(alpha) \
        - (alive_share * log_alpha_T + dropped_share * log_alpha_tx).sum()
    d_alpha = n * r / alpha - ((r + x) * (alive_share / (alpha + T) + dropped_share / (alpha + t_x))).sum()
    return ll, (d_r, d_alpha, dropped_share)


def _purchase_loglik(params, x, t_x, T, xs, counts, model: str, gradient: bool):
    r, alpha, a, b = params
    shift = 1.0 if model == "mbg_nbd" else 0.0
    # P(no dropout at the x + shift chances) = B(a, b + x + shift) / B(a, b), by distinct frequency
    drop_denominator = _drop_denominator(b, x, model)
    log_drop_weight = np.where(_can_drop(x, model), np.log(a) - np.log(drop_denominator), -np.inf)
    ll, shared = _rates_and_mixture(r, alpha, x, t_x, T, xs, counts, log_drop_weight, gradient)
    ll += (counts * (gammaln(a + b) + gammaln(b + xs + shift) - gammaln(b) - gammaln(a + b + xs + shift))).sum()
    if not gradient:
        return ll, None
    d_r, d_alpha, dropped_share = shared
    d_a = (counts * (digamma(a + b) - digamma(a + b + xs + shift))).sum() + dropped_share.sum() / a
    d_b = (counts * (digamma(a + b) + digamma(b + xs + shift) - digamma(b)
                     - digamma(a + b + xs + shift))).sum() - (dropped_share / drop_denominator).sum()
    return ll, np.array([d_r, d_alpha, d_a, d_b])


def _fixed_dropout_loglik(params, x, t_x, T, xs, counts, model: str, gradient: bool):
    """The limit a, b -> infinity with a/(a+b) = pi: P(no dropout at the
    x + shift chances) = (1-pi)^(x+shift), and the weight of "dropped after
    t_x" relative to it is pi/(1-pi). pi = 0 is the NBD model."""
    r, alpha, pi = params
    shift = 1.0 if model == "mbg_nbd" else 0.0
    can_drop = _can_drop(x, model)
    log_weight = np.log(pi) - np.log1p(-pi) if pi > 0 else -np.inf
    chances = (counts * (xs + shift)).sum()
    ll, shared = _rates_and_mixture(r, alpha, x, t_x, T, xs, counts, np.where(can_drop, log_weight, -np.inf),
                                    gradient)
    ll += chances * np.log1p(-pi)
    if not gradient:
        return ll, None
    d_r, d_alpha, dropped_share = shared
    # d log(w)/d pi = 1/(pi (1-pi)); at pi = 0 the dropped share over pi is
    # the odds of the dropped branch at weight 1: ((alpha+T)/(alpha+t_x))^(r+x)
    if pi > 0:
        d_weight = dropped_share.sum() / (pi * (1.0 - pi))
    else:
        odds = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
        d_weight = odds[can_drop].sum()
    return ll, np.array([d_r, d_alpha, d_weight - chances / (1.0 - pi)])


# --------------------------------------------------------------------------
# Gamma-Gamma: log-likelihood and gradient in (p, q, gamma), and in (p, nu)
# for the limit without spend heterogeneity
# --------------------------------------------------------------------------

def _gamma_gamma_constants(x: np.ndarray, m: np.ndarray) -> dict[str, float]:
    """The sums of the Gamma-Gamma log-likelihood that do not depend on the parameters."""
    return {"x_log_mx": float((x * np.log(m * x)).sum()), "log_m": float(np.log(m).sum()),
            "x": float(x.sum()), "mx": float((m * x).sum())}


def _gamma_gamma_loglik(params, x, m, xs, counts, constant, gradient: bool):
    p, q, gamma = params
    n = counts.sum()
    px = p * xs
    ll = (counts * (gammaln(px + q) - gammaln(px))).sum() - n * gammaln(q) + n * q * np.log(gamma) \
        + p * constant["x_log_mx"] - constant["log_m"]
    log_denominator = np.log(gamma + m * x)
    ll -= ((p * x + q) * log_denominator).sum()
    if not gradient:
        return ll, None
    d_p = (counts * xs * (digamma(px + q) - digamma(px))).sum() + constant["x_log_mx"] \
        - (x * log_denominator).sum()
    d_q = (counts * digamma(px + q)).sum() - n * digamma(q) + n * np.log(gamma) - log_denominator.sum()
    d_gamma = n * q / gamma - ((p * x + q) / (gamma + m * x)).sum()
    return ll, np.array([d_p, d_q, d_gamma])


def _spend_rate_loglik(params, xs, counts, constant, gradient: bool):
    """The limit q, gamma -> infinity with q/gamma = nu: x m ~ Gamma(p x, nu),
    i.e. per customer p x log(nu) - lgamma(p x) + p x log(m x) - log(m) - nu m x.
    Depends on the data through sums only."""
    p, nu = params
    ll = p * constant["x"] * np.log(nu) - (counts * gammaln(p * xs)).sum() + p * constant["x_log_mx"] \
        - constant["log_m"] - nu * constant["mx"]
    if not gradient:
        return ll, None
    d_p = constant["x"] * np.log(nu) - (counts * xs * digamma(p * xs)).sum() + constant["x_log_mx"]
    d_nu = p * constant["x"] / nu - constant["mx"]
    return ll, np.array([d_p, d_nu])


# --------------------------------------------------------------------------
# maximisation
# --------------------------------------------------------------------------

def _maximise(loglik, start: np.ndarray, names: tuple[str, ...], n: int, model: str,
              probabilities: tuple[str, ...] = ()) -> tuple[np.ndarray, int]:
    """L-BFGS-B on the mean negative log-likelihood: positive parameters on a
    log scale; the ones named in probabilities directly, bounded to [0, 1), so
    that 0 is reachable. Converged when the projected gradient is small: a
    parameter at a bound it pushes against counts only by its distance to it."""
    direct = np.array([name in probabilities for name in names])
    lower = np.where(direct, 0.0, -np.inf)
    upper = np.where(direct, PROBABILITY_CEILING, np.inf)

    def to_params(z):
        return np.where(direct, z, np.exp(z))

    def objective_gradient(params, grad):
        return -grad * np.where(direct, 1.0, params) / n

    def objective(z):
        params = to_params(z)
        ll, grad = loglik(params, True)
        if not np.isfinite(ll):
            return np.inf, np.zeros_like(z)
        return -ll / n, objective_gradient(params, grad)

    z0 = np.array([min(s, PROBABILITY_CEILING) if d else np.log(s) for s, d in zip(start, direct)])
    result = minimize(objective, z0, jac=True, method="L-BFGS-B", bounds=list(zip(lower, upper)),
                      options={"maxiter": MAX_ITERATIONS, "gtol": GRADIENT_TOLERANCE, "ftol": 1e-14})
    params = to_params(result.x)
    gradient = objective_gradient(params, loglik(params, True)[1])
    scaled_gradient = np.abs(result.x - np.clip(result.x - gradient, lower, upper)).max()
    if not np.all(np.isfinite(params)) or not scaled_gradient <= 1e-4:
        raise ClvFitError(
            f"{model} did not converge after {result.nit} iterations ({result.message}); "
            f"last parameters {dict(zip(names, np.round(params, 6).tolist()))}, "
            f"largest scaled gradient {scaled_gradient:.2g}. The previous CLV tables are kept.",
            dict(zip(names, params.tolist())),
        )
    return params, int(result.nit)


def _standard_errors(loglik, params: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """From the observed information: the Hessian of the log-likelihood by
    central differences of the analytic gradient."""
    k = len(params)
    hessian = np.empty((k, k))
    for j in range(k):
        step = 1e-5 * max(abs(params[j]), 1e-8)
        up, down = params.copy(), params.copy()
        up[j] += step
        down[j] -= step
        hessian[:, j] = (loglik(up, True)[1] - loglik(down, True)[1]) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    try:
        covariance = np.linalg.inv(-hessian)
        variances = np.diag(covariance)
    except np.linalg.LinAlgError:
        variances = np.full(k, np.nan)
    return {name: float(np.sqrt(v)) if v > 0 else float("nan") for name, v in zip(names, variances)}


def _interior_or_limit(fit_interior: Callable[[], Fit], degenerate: Callable[[dict[str, float]], bool],
                       concentration: Callable[[dict[str, float]], float],
                       fit_limit: Callable[[dict[str, float]], Fit]) -> Fit:
    """The interior fit, unless its parameters (converged or not) ran to the
    boundary: then the limiting model, started from where the interior
    stopped. The limit's log-likelihood is the interior's supremum there; the
    interior is kept only if it converged and is higher by more than its own
    rounding: n customers' gamma-function terms of about c log(c) each, c the
    concentration (a + b, or q) of the mixing distribution. A failed fit away
    from the boundary fails as before."""
    try:
        interior = fit_interior()
    except ClvFitError as error:
        if error.last_parameters is None or not degenerate(error.last_parameters):
            raise
        try:
            return fit_limit(error.last_parameters)
        except ClvFitError as limit_error:
            raise ClvFitError(f"{error} Its limiting model failed too: {limit_error}",
                              error.last_parameters) from limit_error
    if not degenerate(interior.parameters):
        return interior
    try:
        limit = fit_limit(interior.parameters)
    except ClvFitError:
        return interior
    size = max(concentration(interior.parameters), 2.0)
    rounding = 4 * np.finfo(float).eps * interior.n_customers * size * np.log(size)
    if interior.log_likelihood > limit.log_likelihood + rounding:
        return interior
    return limit


# --------------------------------------------------------------------------
# fits
# --------------------------------------------------------------------------

def _dropout_degenerate(parameters: dict[str, float]) -> bool:
    """Beta(a, b) is (nearly) a point mass: at a/(a+b) when a + b is huge,
    at 0 when its mean is tiny (a -> 0)."""
    a, b = parameters["a"], parameters["b"]
    return not np.isfinite(a + b) or a + b > DEGENERATE_AT or a / (a + b) < 1 / DEGENERATE_AT


def _fit_fixed_dropout(x, t_x, T, xs, counts, model: str, interior: dict[str, float], notes: list[str]) -> Fit:
    """The limit with one dropout probability for everyone (or none), started
    from where the interior fit stopped."""
    names = ("r", "alpha", "dropout_probability")

    def loglik(params, gradient):
        return _fixed_dropout_loglik(params, x, t_x, T, xs, counts, model, gradient)

    a, b = interior["a"], interior["b"]
    mean = a / (a + b) if np.isfinite(a + b) else 0.5
    start = np.array([interior["r"], interior["alpha"], mean if mean >= 1 / DEGENERATE_AT else 0.0])
    params, iterations = _maximise(loglik, start, names, len(x), f"{model} with one dropout probability",
                                   probabilities=("dropout_probability",))
    r, alpha, pi = params
    log_likelihood = float(loglik(params, False)[0])
    ran_to = f"the {MODEL_NAMES[model]} fit ran to a = {a:.2g}, b = {b:.2g}"
    if pi > 0:
        note = (f"boundary fit (limit fixed_dropout): no heterogeneity in dropout (a, b -> infinity with "
                f"a/(a+b) = {pi:.3g}; {ran_to}); the limiting model's P(alive) and expected purchases are used")
        return Fit(model, dict(zip(names, params.tolist())), _standard_errors(loglik, params, names),
                   log_likelihood, len(x), iterations, notes + [note], "fixed_dropout")

    def nbd_loglik(rates, gradient):
        ll, grad = loglik(np.append(rates, 0.0), gradient)
        return ll, None if grad is None else grad[:2]

    note = (f"boundary fit (limit no_dropout): nobody drops out (Beta(a, b) degenerates at 0; {ran_to}); "
            f"the NBD model is used: P(alive) = 1 and expected purchases t (r + x)/(alpha + T)")
    return Fit(model, {"r": float(r), "alpha": float(alpha)}, _standard_errors(nbd_loglik, params[:2], names[:2]),
               log_likelihood, len(x), iterations, notes + [note], "no_dropout")


def fit_purchases(frequency, recency, age, model: str = "bg_nbd") -> Fit:
    """Maximum-likelihood fit of BG/NBD or MBG/NBD to a BTYD summary; at the
    boundary where Beta(a, b) degenerates, the fit of the limiting model
    (one dropout probability for everyone, or no dropout)."""
    if model not in PURCHASE_MODELS:
        raise ValueError(f"purchase model {model!r} is not one of {PURCHASE_MODELS}")
    x, t_x, T = _check_summary(frequency, recency, age)
    xs, counts = _by_frequency(x)
    names = ("r", "alpha", "a", "b")
    notes = []
    if model == "bg_nbd":
        notes.append("BG/NBD: customers without a repeat purchase have P(alive) = 1 by assumption")

    def loglik(params, gradient):
        return _purchase_loglik(params, x, t_x, T, xs, counts, model, gradient)

    def fit_interior():
        start = np.array([1.0, max(float(T.mean()), 1e-3), 1.0, 1.0])
        params, iterations = _maximise(loglik, start, names, len(x), model)
        return Fit(model, dict(zip(names, params.tolist())), _standard_errors(loglik, params, names),
                   float(loglik(params, False)[0]), len(x), iterations, notes)

    return _interior_or_limit(fit_interior, _dropout_degenerate, lambda parameters: parameters["a"] + parameters["b"],
                              lambda interior: _fit_fixed_dropout(x, t_x, T, xs, counts, model, interior, notes))


def gamma_gamma_sample(frequency, mean_spend) -> tuple[np.ndarray, np.ndarray, int]:
    """The customers Gamma-Gamma is fitted on (x > 0 and m > 0), and how many were left out."""
    x, m = np.asarray(frequency, dtype=float), np.asarray(mean_spend, dtype=float)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    return x[keep], m[keep], int(((x > 0) & ~keep).sum())


def _fit_spend_rate(xs, counts, constant, n: int, interior: dict[str, float], notes: list[str]) -> Fit:
    """The limit without spend heterogeneity, started from where the interior fit stopped."""
    names = ("p", "nu")

    def loglik(params, gradient):
        return _spend_rate_loglik(params, xs, counts, constant, gradient)

    p, q, gamma = interior["p"], interior["q"], interior["gamma"]
    start = np.array([p, q / gamma if np.isfinite(q / gamma) else p * constant["x"] / constant["mx"]])
    params, iterations = _maximise(loglik, start, names, n, "gamma_gamma without spend heterogeneity")
    note = (f"boundary fit (limit no_spend_heterogeneity): no spend heterogeneity between customers "
            f"(q, gamma -> infinity with q/gamma = nu = {params[1]:.3g}; the Gamma-Gamma fit ran to "
            f"q = {q:.2g}, gamma = {gamma:.2g}); every customer's expected spend per purchase is "
            f"p/nu = {params[0] / params[1]:.4g}")
    return Fit("gamma_gamma", dict(zip(names, params.tolist())), _standard_errors(loglik, params, names),
               float(loglik(params, False)[0]), n, iterations, notes + [note], "no_spend_heterogeneity")


def fit_gamma_gamma(frequency, mean_spend) -> Fit:
    """Maximum-likelihood Gamma-Gamma fit on repeat buyers with a positive mean spend.
    Repeat buyers whose returns outweigh their spend (m <= 0) are left out of
    the fit and counted in the notes. At the boundary q, gamma -> infinity the
    fit of the limiting model without spend heterogeneity; when every mean
    spend is the same, that spend (no likelihood maximum exists)."""
    x, m, left_out = gamma_gamma_sample(frequency, mean_spend)
    if len(x) < 2:
        raise ClvFitError("Gamma-Gamma needs at least two customers with a repeat purchase and positive spend")
    notes = [f"{left_out} repeat buyers with mean repeat spend <= 0 (returns) left out of the fit"] if left_out else []
    if m.max() / m.min() - 1.0 < IDENTICAL_SPEND:
        spend = float(m.mean())
        note = (f"boundary fit (limit constant_spend): every customer's mean repeat spend is {spend:.6g}, so the "
                f"Gamma-Gamma likelihood has no finite maximum (a point mass); the expected spend per purchase "
                f"is {spend:.6g} for everyone, and the log-likelihood 0 (the observed spends have probability 1)")
        return Fit("gamma_gamma", {"spend": spend}, {}, 0.0, len(x), 0, notes + [note], "constant_spend")
    xs, counts = _by_frequency(x)
    constant = _gamma_gamma_constants(x, m)
    names = ("p", "q", "gamma")

    def loglik(params, gradient):
        return _gamma_gamma_loglik(params, x, m, xs, counts, constant, gradient)

    def fit_interior():
        start = np.array([1.0, 1.0, max(float(m.mean()), 1e-3)])
        params, iterations = _maximise(loglik, start, names, len(x), "gamma_gamma")
        return Fit("gamma_gamma", dict(zip(names, params.tolist())), _standard_errors(loglik, params, names),
                   float(loglik(params, False)[0]), len(x), iterations, notes)

    return _interior_or_limit(fit_interior, lambda parameters: not parameters["q"] <= DEGENERATE_AT,
                              lambda parameters: parameters["q"],
                              lambda interior: _fit_spend_rate(xs, counts, constant, len(x), interior, notes))


# --------------------------------------------------------------------------
# predictions
# --------------------------------------------------------------------------

def _log_drop_weight(fit: Fit, x: np.ndarray) -> np.ndarray:
    """log of the weight of "dropped out right after t_x" relative to "alive
    at T", before the purchase-rate factor ((alpha+T)/(alpha+t_x))^(r+x);
    -inf for customers who cannot have dropped out."""
    if fit.limit == "fixed_dropout":
        pi = fit.parameters["dropout_probability"]
        weight = np.full_like(x, np.log(pi) - np.log1p(-pi))
    else:
        a, b = fit.parameters["a"], fit.parameters["b"]
        weight = np.log(a) - np.log(_drop_denominator(b, x, fit.model))
    return np.where(_can_drop(x, fit.model), weight, -np.inf)


def p_alive(fit: Fit, frequency, recency, age) -> np.ndarray:
    """P(alive at T | x, t_x, T)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
    if fit.limit == "no_dropout":
        return np.ones(np.broadcast(x, t_x, T).shape)
    r, alpha = fit.parameters["r"], fit.parameters["alpha"]
    log_odds = _log_drop_weight(fit, x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return 1.0 / (1.0 + np.exp(log_odds))


def expected_purchases(fit: Fit, horizon, frequency, recency, age) -> np.ndarray:
    """E[purchases in (T, T + horizon] | x, t_x, T] (horizon in time units)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
    t = np.asarray(horizon, dtype=float)
    r, alpha = fit.parameters["r"], fit.parameters["alpha"]
    if fit.limit is not None:
        # given alive and lambda, purchases at rate lambda until one is followed by
        # dropout (probability pi): (1 - exp(-lambda pi t))/pi; lambda ~ Gamma(r + x, alpha + T)
        pi = fit.parameters.get("dropout_probability", 0.0)
        if pi == 0:
            return t * (r + x) / (alpha + T)
        return p_alive(fit, x, t_x, T) * -np.expm1(-(r + x) * np.log1p(pi * t / (alpha + T))) / pi
    a, b = fit.parameters["a"], fit.parameters["b"]
    shift = 1.0 if fit.model == "mbg_nbd" else 0.0
    # Fader, Hardie and Lee (2005) eq. 10; Batislam et al. (2007) for MBG/NBD
    hyp = hyp2f1(r + x, b + x + shift, a + b + x - 1 + shift, t / (alpha + T + t))
    head = (a + b + x - 1 + shift) / (a - 1)
    body = 1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
    return head * body * p_alive(fit, x, t_x, T)


def expected_spend(fit: Fit, frequency, mean_spend) -> np.ndarray:
    """E[spend per purchase | x, m] under Gamma-Gamma: the customer's mean
    shrunk towards the population mean p*gamma/(q-1); customers without a
    repeat (or with m <= 0 from returns) get the population mean, or a shrunk
    m clamped at 0. At the boundaries one spend for everyone: p/nu without
    spend heterogeneity, the common spend when every mean spend is the same."""
    x = np.asarray(frequency, dtype=float)
    m = np.clip(np.nan_to_num(np.asarray(mean_spend, dtype=float), nan=0.0), 0.0, None)
    if fit.limit == "constant_spend":
        return np.full(np.broadcast(x, m).shape, fit.parameters["spend"])
    if fit.limit == "no_spend_heterogeneity":
        return np.full(np.broadcast(x, m).shape, fit.parameters["p"] / fit.parameters["nu"])
    p, q, gamma = (fit.parameters[k] for k in ("p", "q", "gamma"))
    return (p * (gamma + x * m)) / (p * x + q - 1.0)
