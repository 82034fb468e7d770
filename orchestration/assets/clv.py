"""Customer lifetime value: the BTYD models fitted in Python on the SQL summary.

One multi-asset writes marts.customer_clv, marts.clv_model_parameters and
marts.clv_holdout_report (orchestration/clv). It runs after the dbt daily
group in every run, for the latest as-of date of the partition window, and
attaches the fitted parameters and the calibration / holdout report as
metadata. A fit that does not converge fails the step with the reason; the
tables keep the previous fit (nothing is written), and, as with a failed dbt
model, the serving copy and the exports keep the last good day.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.clv.btyd import ClvFitError
from orchestration.clv.pipeline import ClvSettings, run_clv
from orchestration.clv.store import TABLES, read_summary, write_clv
from orchestration.metadata import markdown_table
from orchestration.partitions import as_of_date_partitions
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings
from orchestration.warehouse import project_dbt_vars

BTYD_SUMMARY_KEY = AssetKey(["intermediate", "int_customer_btyd_summarised"])
CLV_KEYS = [AssetKey(["marts", table]) for table in TABLES]
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
    name="customer_clv_fit",
    partitions_def=as_of_date_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def customer_clv_fit(context: AssetExecutionContext, settings: RetentionSettings):
    clv_settings = ClvSettings.from_dbt_vars(project_dbt_vars(settings.dbt_vars()))
    summary = read_summary(settings.warehouse_path)
    try:
        result = run_clv(summary, clv_settings)
    except ClvFitError as error:
        raise Failure(description=f"CLV fit failed, the previous CLV tables are kept: {error}") from error
    row_counts = write_clv(settings.warehouse_path, result)
    parameters = result.model_parameters[["fit_window", "model", "parameter", "value", "standard_error"]]
    report = result.holdout_report
    overall = report[report["segment"] == "overall"].iloc[0] if not report.empty else None
    context.log.info(f"CLV fitted ({clv_settings.purchase_model}) on {len(result.customer_clv)} customers")
    yield MaterializeResult(asset_key=CLV_KEYS[0], metadata={
        "customers": len(result.customer_clv),
        "purchase_model": clv_settings.purchase_model,
        "total_discounted_clv": float(result.customer_clv["discounted_clv_amount"].sum()),
        "mean_p_alive": float(result.customer_clv["p_alive"].mean()),
    })
    yield MaterializeResult(asset_key=CLV_KEYS[1], metadata={
        "parameters": MetadataValue.md(_markdown(parameters)),
        "log_likelihood_purchases": result.fits["purchases"].log_likelihood,
        "rows": row_counts["clv_model_parameters"],
    })
    yield MaterializeResult(asset_key=CLV_KEYS[2], metadata={
        "holdout_report": MetadataValue.md(_markdown(report.drop(columns=["as_of_date", "purchase_model"]))),
        **({
            f"holdout_{name}": float(overall[name])
            for name in ("total_error_percent", "mean_absolute_error", "correlation")
            if overall is not None and overall[name] is not None
        }),
        "rows": row_counts["clv_holdout_report"],
    })
