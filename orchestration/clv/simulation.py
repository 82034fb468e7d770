"""Customers drawn from the BTYD stories, for the tests and the benchmark:
parameters a fit must give back. Besides the BG/NBD population, the
populations at the boundaries of the parameter space (btyd.py): one dropout
probability for everyone (or none at all), and one spend rate nu for everyone."""

from __future__ import annotations

import numpy as np


def _purchases(lam: np.ndarray, p: np.ndarray, age: np.ndarray, rng: np.random.Generator, model: str):
    """(frequency, recency, age) of customers with purchase rates lam and
    dropout probabilities p, observed for age time units from their first
    purchase. Vectorised: every round, each alive customer draws the time of
    the next purchase and, after it, a coin for dropping out (MBG/NBD: also
    right after the first purchase)."""
    n = len(lam)
    x, t_x, clock = np.zeros(n), np.zeros(n), np.zeros(n)
    alive = np.ones(n, dtype=bool) if model == "bg_nbd" else rng.random(n) >= p
    while alive.any():
        index = np.flatnonzero(alive)
        clock[index] += rng.exponential(1 / lam[index])
        bought = clock[index] <= age[index]
        buyers = index[bought]
        x[buyers] += 1
        t_x[buyers] = clock[buyers]
        alive[index[~bought]] = False
        alive[buyers[rng.random(len(buyers)) < p[buyers]]] = False
    return x, t_x, age


def simulate_bg_nbd(n: int, r: float, alpha: float, a: float, b: float, T, seed: int = 7):
    """(frequency, recency, age) of n BG/NBD customers (lambda ~ Gamma(r, alpha),
    p ~ Beta(a, b)) observed for T time units (a number or one per customer)."""
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    return _purchases(lam, p, age, rng, "bg_nbd")


def simulate_fixed_dropout(n: int, r: float, alpha: float, dropout_probability: float, T, seed: int = 7,
                           model: str = "bg_nbd"):
    """(frequency, recency, age) of n customers of the BG/NBD (or MBG/NBD)
    story with one dropout probability for everyone: the limit a, b -> infinity
    with a/(a+b) = dropout_probability. Probability 0: nobody drops out (NBD)."""
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    return _purchases(lam, np.full(n, float(dropout_probability)), age, rng, model)


def simulate_mean_spend(frequency, p: float, nu, seed: int = 7) -> np.ndarray:
    """Mean spend of each customer's repeat purchases, each purchase
    ~ Gamma(p, nu) with nu a number (no spend heterogeneity: the limit
    q, gamma -> infinity) or one per customer (Gamma-Gamma: nu ~ Gamma(q, gamma)).
    NaN for customers without a repeat purchase."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = np.broadcast_to(np.asarray(nu, dtype=float), x.shape)
    repeat = np.maximum(x, 1.0)
    return np.where(x > 0, rng.gamma(p * repeat, 1 / nu) / repeat, np.nan)
