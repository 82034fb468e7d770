"""Customer lifetime value: the BTYD models fitted in Python on the SQL summary.

One multi-asset writes marts.customer_clv, marts.clv_model_parameters and
marts.clv_holdout_report (orchestration/clv). It runs after the dbt daily
group in every run, for the latest as-of date of the partition window, and
attaches the fitted parameters and the calibration / holdout report as
metadata.

CLV never blocks the day. When the fit fails (no convergence, figures that
are not finite, anything else), nothing is written: the tables keep the last
good fit, whose own as_of_date says how old it is. The check
`clv_fit_succeeded` fails with the reason (severity ERROR) and the attempt
is kept in quality.clv_fit_attempts, but the step itself succeeds, so the
serving copy is still published (its marts.publication says clv_status =
'failed' and why) and the alert files are written.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.clv.pipeline import ClvSettings, run_clv
from orchestration.clv.store import TABLES, clv_as_of_date, read_summary, record_attempt, write_clv
from orchestration.metadata import markdown_table
from orchestration.partitions import as_of_date_partitions, as_of_dates
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings
from orchestration.engine import Warehouse
from orchestration.warehouse import project_dbt_vars

BTYD_SUMMARY_KEY = AssetKey(["intermediate", "int_customer_btyd_summarised"])
CLV_KEYS = [AssetKey(["marts", table]) for table in TABLES]
FIT_CHECK = "clv_fit_succeeded"
DESCRIPTIONS = {
    "customer_clv": "Per customer: P(alive), expected purchases and spend over the horizon, discounted CLV.",
    "clv_model_parameters": "The fitted BTYD parameters with standard errors, log-likelihood and data window, per as-of date.",
    "clv_holdout_report": "Predicted versus actual repeat purchases in the holdout, overall and per decile, per as-of date.",
}


def _markdown(frame) -> str:
    return markdown_table(list(frame.columns), frame.itertuples(index=False), float_format="{:.4g}")


@multi_asset(
    specs=[
        AssetSpec(key, deps=[BTYD_SUMMARY_KEY], group_name="marts", description=DESCRIPTIONS[key.path[-1]])
        for key in CLV_KEYS
    ],
    check_specs=[AssetCheckSpec(
        FIT_CHECK, asset=CLV_KEYS[0],
        description="The day's CLV fit converged and its figures are finite; when not, the reason, and the "
                    "CLV tables keep the last good fit (the day is published all the same).",
    )],
    name="customer_clv_fit",
    partitions_def=as_of_date_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def customer_clv_fit(context: AssetExecutionContext, settings: RetentionSettings):
    as_of_date = as_of_dates(context)[-1]
    with settings.warehouse() as warehouse:
        try:
            clv_settings = ClvSettings.from_dbt_vars(project_dbt_vars(settings.dbt_vars()))
            result = run_clv(read_summary(warehouse), clv_settings)
            row_counts = write_clv(warehouse, result)
        except Exception as error:  # noqa: BLE001 - whatever broke the fit, the day goes on without it
            yield from _failed_fit(context, warehouse, as_of_date, error)
            return
        record_attempt(warehouse, as_of_date, "fitted", None, context.run.run_id)
    yield from _fitted(context, clv_settings, result, row_counts)


def _failed_fit(context: AssetExecutionContext, warehouse: Warehouse, as_of_date: str, error: Exception):
    """The fit failed: the tables are left as they are (the last good fit), the
    attempt is recorded, and a failed check says why."""
    reason = f"{type(error).__name__}: {error}"
    record_attempt(warehouse, as_of_date, "failed", reason, context.run.run_id)
    kept = clv_as_of_date(warehouse)
    kept_text = f"the CLV tables keep the fit of {kept}" if kept else "there are no CLV tables yet"
    context.log.error(f"CLV fit for {as_of_date} failed, {kept_text}: {reason}")
    metadata = {"fit_status": "failed", "reason": reason[:2000], "clv_as_of_date": str(kept) if kept else "none"}
    for key in CLV_KEYS:
        yield MaterializeResult(asset_key=key, metadata=metadata)
    yield AssetCheckResult(
        check_name=FIT_CHECK, asset_key=CLV_KEYS[0], passed=False, severity=AssetCheckSeverity.ERROR,
        description=f"CLV fit for {as_of_date} failed; {kept_text}. {reason}"[:2000],
        metadata=metadata,
    )


def _fitted(context: AssetExecutionContext, clv_settings: ClvSettings, result, row_counts: dict):
    parameters = result.model_parameters[["fit_window", "model", "parameter", "value", "standard_error"]]
    report = result.holdout_report
    overall = report[report["segment"] == "overall"].iloc[0] if not report.empty else None
    context.log.info(f"CLV fitted ({clv_settings.purchase_model}) on {len(result.customer_clv)} customers")
    yield MaterializeResult(asset_key=CLV_KEYS[0], metadata={
        "fit_status": "fitted",
        "customers": len(result.customer_clv),
        "purchase_model": clv_settings.purchase_model,
        "total_discounted_clv": float(result.customer_clv["discounted_clv_amount"].sum()),
        "mean_p_alive": float(result.customer_clv["p_alive"].mean()),
    })
    yield MaterializeResult(asset_key=CLV_KEYS[1], metadata={
        "fit_status": "fitted",
        "parameters": MetadataValue.md(_markdown(parameters)),
        "log_likelihood_purchases": result.fits["purchases"].log_likelihood,
        "rows": row_counts["clv_model_parameters"],
    })
    yield MaterializeResult(asset_key=CLV_KEYS[2], metadata={
        "fit_status": "fitted",
        "holdout_report": MetadataValue.md(_markdown(report.drop(columns=["as_of_date", "purchase_model"]))),
        **({
            f"holdout_{name}": float(overall[name])
            for name in ("total_error_percent", "mean_absolute_error", "correlation")
            if overall is not None and overall[name] is not None
        }),
        "rows": row_counts["clv_holdout_report"],
    })
    notes = sorted({note for fit in result.fits.values() for note in fit.notes})
    yield AssetCheckResult(
        check_name=FIT_CHECK, asset_key=CLV_KEYS[0], passed=True,
        description="CLV fitted" + (": " + "; ".join(notes) if notes else ""),
        metadata={"notes": "; ".join(notes)[:2000]},
    )
