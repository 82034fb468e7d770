"""Customers drawn from the BG/NBD story, for the tests and the benchmark:
parameters a fit must give back."""

from __future__ import annotations

import numpy as np


def simulate_bg_nbd(n: int, r: float, alpha: float, a: float, b: float, T, seed: int = 7):
    """(frequency, recency, age) of n customers observed for T time units
    (a number or one per customer) from their first purchase. Vectorised:
    every round, each alive customer draws the time of the next purchase and,
    after it, a coin for dropping out."""
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x, clock = np.zeros(n), np.zeros(n), np.zeros(n)
    alive = np.ones(n, dtype=bool)
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
