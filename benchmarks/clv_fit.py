"""How long the CLV fits take on a million customers (orchestration/clv).

    .venv/bin/python -m benchmarks.clv_fit [n_customers]

Simulates a BG/NBD population (known parameters, ages spread over two years
in weeks) and a Gamma-Gamma spend per customer, then times each fit, the
predictions and the whole run_clv on the summary, and prints peak memory.
Then a population at the boundaries (one dropout probability and one spend
rate for everyone), where a fit runs the interior model and then the limit.
Results are written down in benchmarks/README.md.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from orchestration.clv.btyd import expected_purchases, fit_gamma_gamma, fit_purchases, p_alive
from orchestration.clv.pipeline import ClvSettings, run_clv
from orchestration.clv.simulation import simulate_bg_nbd, simulate_fixed_dropout, simulate_mean_spend

TRUTH = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
BOUNDARY_TRUTH = {"r": 0.5, "alpha": 5.0, "dropout_probability": 0.3, "p": 6.25, "nu": 0.4}


def simulate(n: int, seed: int = 1) -> pd.DataFrame:
    """The BG/NBD population of TRUTH, ages spread over two years, with a
    Gamma-Gamma mean spend for repeat buyers."""
    rng = np.random.default_rng(seed)
    x, t_x, T = simulate_bg_nbd(n, **TRUTH, T=rng.uniform(4, 104, n), seed=seed)
    nu = rng.gamma(3.7, 1 / 15.4, n)
    spend = np.where(x > 0, rng.gamma(6.25 * np.maximum(x, 1), 1 / nu) / np.maximum(x, 1), np.nan)
    return pd.DataFrame({"frequency": x, "recency": t_x, "age": T, "mean_repeat_spend_amount": spend})


def simulate_boundary(n: int, seed: int = 5) -> pd.DataFrame:
    """BOUNDARY_TRUTH: every customer drops out with one probability and
    spends at one rate nu. With this seed both fits land on the boundary (with
    the truth there, the estimate does in only part of the samples)."""
    age = np.random.default_rng(seed).uniform(4, 104, n)
    truth = BOUNDARY_TRUTH
    x, t_x, T = simulate_fixed_dropout(n, truth["r"], truth["alpha"], truth["dropout_probability"], age, seed=seed)
    spend = simulate_mean_spend(x, truth["p"], truth["nu"], seed=seed)
    return pd.DataFrame({"frequency": x, "recency": t_x, "age": T, "mean_repeat_spend_amount": spend})


def timed(label: str, function, *args):
    start = time.perf_counter()
    value = function(*args)
    print(f"{label:<44} {time.perf_counter() - start:7.2f} s")
    return value


def main(n: int) -> None:
    frame = timed(f"simulate {n:,} customers", simulate, n)
    args = (frame["frequency"], frame["recency"], frame["age"])
    fit = timed("fit BG/NBD", fit_purchases, *args, "bg_nbd")
    print("   ", {k: round(v, 4) for k, v in fit.parameters.items()}, "truth", TRUTH, f"({fit.iterations} iterations)")
    timed("fit MBG/NBD", fit_purchases, *args, "mbg_nbd")
    timed("fit Gamma-Gamma", fit_gamma_gamma, frame["frequency"], frame["mean_repeat_spend_amount"])
    timed("P(alive)", p_alive, fit, *args)
    timed("expected purchases over 52 weeks", expected_purchases, fit, 52.0, *args)
    summary = pd.concat([
        frame.assign(fit_window="full"),
        frame.assign(fit_window="calibration", holdout_frequency=0, holdout_amount=0.0),
    ])
    summary = summary.assign(
        customer_id=np.tile(np.arange(n).astype(str), 2), as_of_date=pd.Timestamp("2026-06-30"),
        window_end_date=pd.Timestamp("2026-06-30"), holdout_end_date=pd.Timestamp("2026-06-30"),
        first_purchase_date=pd.Timestamp("2024-06-30"),
    )
    timed("run_clv (2 windows: fits, scores, holdout report)", run_clv, summary, ClvSettings())

    boundary = timed(f"simulate {n:,} at the boundaries", simulate_boundary, n)
    args = (boundary["frequency"], boundary["recency"], boundary["age"])
    fit = timed("fit BG/NBD at the boundary (and its limit)", fit_purchases, *args, "bg_nbd")
    print("   ", fit.limit, {k: round(v, 4) for k, v in fit.parameters.items()}, f"({fit.iterations} iterations)")
    spend = timed("fit Gamma-Gamma at the boundary (and limit)", fit_gamma_gamma,
                  boundary["frequency"], boundary["mean_repeat_spend_amount"])
    print("   ", spend.limit, {k: round(v, 4) for k, v in spend.parameters.items()}, "truth", BOUNDARY_TRUTH)
    timed("expected purchases, the limit's closed form", expected_purchases, fit, 52.0, *args)
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
