"""From the BTYD summary (intermediate.int_customer_btyd_summarised) to the
three CLV tables: customer_clv, clv_model_parameters, clv_holdout_report.

Pure pandas / numpy: the Dagster asset (orchestration/assets/clv.py) reads
the summary, calls run_clv and writes the frames (orchestration/clv/store.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from orchestration.clv.btyd import (
    Fit,
    expected_purchases,
    expected_spend,
    fit_gamma_gamma,
    fit_purchases,
    p_alive,
)

DAYS_PER_MONTH = 365.25 / 12
DECILES = 10
REPORT_COLUMNS = [
    "as_of_date", "calibration_end_date", "holdout_end_date", "purchase_model", "segment", "n_customers",
    "predicted_repeat_purchases", "actual_repeat_purchases", "predicted_spend_amount", "actual_spend_amount",
    "total_error_percent", "mean_absolute_error", "root_mean_squared_error", "correlation",
]


@dataclass(frozen=True)
class ClvSettings:
    """The CLV vars of dbt_project.yml (one place for every threshold)."""

    purchase_model: str = "mbg_nbd"
    time_unit_days: float = 7.0
    horizon_days: float = 365.0
    annual_discount_rate: float = 0.10
    holdout_days: int = 182

    @classmethod
    def from_dbt_vars(cls, dbt_vars: dict) -> "ClvSettings":
        return cls(
            purchase_model=str(dbt_vars["clv_purchase_model"]),
            time_unit_days=float(dbt_vars["clv_time_unit_days"]),
            horizon_days=float(dbt_vars["clv_horizon_days"]),
            annual_discount_rate=float(dbt_vars["clv_annual_discount_rate"]),
            holdout_days=int(dbt_vars["clv_holdout_days"]),
        )


@dataclass
class ClvResult:
    customer_clv: pd.DataFrame
    model_parameters: pd.DataFrame
    holdout_report: pd.DataFrame
    fits: dict[str, Fit]


def discounted_clv(purchases_fit: Fit, spend: np.ndarray, summary: pd.DataFrame, settings: ClvSettings) -> np.ndarray:
    """Expected spend x expected purchases month by month over the horizon,
    each month discounted at the yearly rate from its end."""
    unit = settings.time_unit_days
    months = max(1, math.ceil(settings.horizon_days / DAYS_PER_MONTH))
    args = (summary["frequency"], summary["recency"], summary["age"])
    total = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    for month in range(1, months + 1):
        days = min(month * DAYS_PER_MONTH, settings.horizon_days)
        cumulative = expected_purchases(purchases_fit, days / unit, *args)
        total += (cumulative - previous) / (1 + settings.annual_discount_rate) ** (days / 365.0)
        previous = cumulative
    return spend * total


def _fit(window: pd.DataFrame, settings: ClvSettings) -> tuple[Fit, Fit]:
    purchases = fit_purchases(window["frequency"], window["recency"], window["age"], settings.purchase_model)
    spend = fit_gamma_gamma(window["frequency"], window["mean_repeat_spend_amount"])
    return purchases, spend


def _parameter_rows(fit: Fit, window: pd.DataFrame, fit_window: str, settings: ClvSettings,
                    fitted_at: datetime) -> list[dict]:
    return [{
        "as_of_date": window["as_of_date"].iloc[0],
        "fit_window": fit_window,
        "model": fit.model,
        "parameter": name,
        "value": value,
        "standard_error": fit.standard_errors.get(name),
        "log_likelihood": fit.log_likelihood,
        "n_customers": fit.n_customers,
        "iterations": fit.iterations,
        "data_window_start": window["first_purchase_date"].min(),
        "data_window_end": window["window_end_date"].iloc[0],
        "time_unit_days": settings.time_unit_days,
        "notes": "; ".join(fit.notes) or None,
        "fitted_at": fitted_at,
    } for name, value in fit.parameters.items()]


def holdout_report(calibration: pd.DataFrame, settings: ClvSettings) -> tuple[pd.DataFrame, list[Fit]]:
    """Fit on the calibration window, predict the holdout, compare: overall
    and per decile of predicted holdout spend (decile 10 = highest)."""
    purchases_fit, spend_fit = _fit(calibration, settings)
    holdout_units = settings.holdout_days / settings.time_unit_days
    predicted = expected_purchases(purchases_fit, holdout_units, calibration["frequency"],
                                   calibration["recency"], calibration["age"])
    spend = expected_spend(spend_fit, calibration["frequency"], calibration["mean_repeat_spend_amount"])
    frame = pd.DataFrame({
        "predicted": predicted,
        "actual": calibration["holdout_frequency"].to_numpy(dtype=float),
        "predicted_spend": predicted * spend,
        "actual_spend": calibration["holdout_amount"].to_numpy(dtype=float),
    })
    ranks = frame["predicted_spend"].rank(method="first")
    frame["decile"] = np.ceil(ranks * DECILES / len(frame)).astype(int).clip(1, DECILES)

    def summarise(group: pd.DataFrame, segment: str) -> dict:
        error = group["predicted"] - group["actual"]
        actual_total = group["actual"].sum()
        return {
            "segment": segment,
            "n_customers": len(group),
            "predicted_repeat_purchases": group["predicted"].sum(),
            "actual_repeat_purchases": actual_total,
            "predicted_spend_amount": group["predicted_spend"].sum(),
            "actual_spend_amount": group["actual_spend"].sum(),
            "total_error_percent": 100 * (group["predicted"].sum() - actual_total) / actual_total if actual_total else None,
            "mean_absolute_error": error.abs().mean(),
            "root_mean_squared_error": math.sqrt((error ** 2).mean()),
            "correlation": group["predicted"].corr(group["actual"]) if len(group) > 2 else None,
        }

    rows = [summarise(frame, "overall")]
    rows += [summarise(group, f"decile {decile:02d}") for decile, group in frame.groupby("decile")]
    report = pd.DataFrame(rows)
    report.insert(0, "as_of_date", calibration["as_of_date"].iloc[0])
    report.insert(1, "calibration_end_date", calibration["window_end_date"].iloc[0])
    report.insert(2, "holdout_end_date", calibration["holdout_end_date"].iloc[0])
    report.insert(3, "purchase_model", purchases_fit.model)
    return report[REPORT_COLUMNS], [purchases_fit, spend_fit]


def run_clv(summary: pd.DataFrame, settings: ClvSettings) -> ClvResult:
    """Fit on the full window and score every customer; fit on the
    calibration window and report the holdout. Raises ClvFitError when a fit
    does not converge (the caller keeps the previous tables)."""
    fitted_at = datetime.now(timezone.utc).replace(tzinfo=None)
    full = summary[summary["fit_window"] == "full"].reset_index(drop=True)
    calibration = summary[summary["fit_window"] == "calibration"].reset_index(drop=True)
    purchases_fit, spend_fit = _fit(full, settings)
    calibration_fits = []
    if calibration.empty:  # history shorter than the holdout: no report yet
        report = pd.DataFrame(columns=REPORT_COLUMNS)
    else:
        report, calibration_fits = holdout_report(calibration, settings)

    args = (full["frequency"], full["recency"], full["age"])
    spend = expected_spend(spend_fit, full["frequency"], full["mean_repeat_spend_amount"])
    customer_clv = pd.DataFrame({
        "customer_id": full["customer_id"],
        "as_of_date": full["as_of_date"],
        "frequency": full["frequency"].astype("int64"),
        "recency": full["recency"],
        "age": full["age"],
        "mean_repeat_spend_amount": full["mean_repeat_spend_amount"],
        "p_alive": p_alive(purchases_fit, *args),
        "expected_purchases": expected_purchases(purchases_fit, settings.horizon_days / settings.time_unit_days, *args),
        "expected_spend_per_purchase_amount": spend,
        "discounted_clv_amount": discounted_clv(purchases_fit, spend, full, settings),
        "horizon_days": int(settings.horizon_days),
        "purchase_model": purchases_fit.model,
        "fitted_at": fitted_at,
    })
    parameters = pd.DataFrame(
        [row for fit in (purchases_fit, spend_fit) for row in _parameter_rows(fit, full, "full", settings, fitted_at)]
        + [row for fit in calibration_fits
           for row in _parameter_rows(fit, calibration, "calibration", settings, fitted_at)]
    )
    fits = {"purchases": purchases_fit, "spend": spend_fit}
    if calibration_fits:
        fits.update(calibration_purchases=calibration_fits[0], calibration_spend=calibration_fits[1])
    return ClvResult(customer_clv, parameters, report, fits)
