"""Files a sales person opens in Excel: a typed DataFrame (read from a DuckDB
mart) as a CSV with headers in words and figures as people write them, and
the same frame as Parquet with its typed columns for tools.

The CSV:

- UTF-8 with a byte order mark (``utf-8-sig``, so Excel reads accents and
  umlauts right), comma-separated, CRLF line ends, one header row of labels
  ("Customer", "Action", "Days since last purchase"): the caller's mapping
  column -> label on top of SALES_LABELS; any other column gets its name in
  words (``value_tier`` -> "Value tier"). Two columns with one label are an
  error. Columns not to export are dropped by the caller before.
- Every cell is text written here, never a float's repr:

  ==========================================  ==================================
  column                                      cell
  ==========================================  ==================================
  bool dtype, ``is_*``, ``has_*``             Yes / No
  dates and timestamps                        2026-06-30 (2026-06-30 14:05:00
                                              when a value of the column has a
                                              time of day)
  money: ``*_amount``, ``monetary``           1234.50 (cents, half up)
  day counts: ``days_*``, ``*_days``          7 when the column is integer,
                                              else 7.5 (one decimal)
  ratios: ``*_ratio``                         1.43 (two decimals)
  probabilities and shares: ``retainability``,
  ``p_alive``, ``*_likelihood``,
  ``*_probability``, ``*_share``, ``share_*``  0.875 (three decimals)
  other integers                              as they are
  other numbers                               whole when every value is,
                                              else two decimals
  text                                        as it is
  ==========================================  ==================================

  No thousands separators; "." is the decimal point; null, NaN, NaT and
  infinite numbers are empty cells.
- Text that Excel would run as a formula (starting with ``=``, ``@``, a tab
  or a carriage return, or with ``+`` / ``-`` without being a number, such
  as ``=HYPERLINK(...)`` or ``+49 30 1234``) gets a leading apostrophe:
  names, e-mails and phone numbers come from the customers' own file.

The Parquet file is the frame unchanged. Both are written atomically: to a
temporary name in the target directory, then renamed into place with
os.replace, so a reader sees the old file or the new one, never half of it.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import os
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

CSV_ENCODING = "utf-8-sig"

# Labels of the call-sheet and alert-list columns; callers may pass more or
# other labels (theirs win), and any column missing here is labelled from its name.
SALES_LABELS: dict[str, str] = {
    "customer_id": "Customer",
    "customer_name": "Name",
    "email": "Email",
    "phone": "Phone",
    "account_owner": "Account owner",
    "as_of_date": "As of",
    "action_list": "List",
    "alert_type": "Alert type",
    "recommended_action": "Action",
    "recommended_channel": "Channel",
    "contact_status": "Contact status",
    "sheet_rank": "Rank",
    "alert_rank": "Rank on the list",
    "winback_rank": "Win-back rank",
    "priority": "Priority",
    "alert_reason": "Reason",
    "is_new_alert": "New on the list",
    "value_at_stake_amount": "Value at stake",
    "expected_future_margin_amount": "Expected future margin",
    "days_since_last_purchase": "Days since last purchase",
    "expected_interval_days": "Usual interval (days)",
    "interval_basis": "Interval based on",
    "recency_ratio": "Recency ratio",
    "expected_interval_ratio": "Overdue ratio",
    "last_purchase_date": "Last purchase",
    "expected_next_purchase_date": "Next purchase expected",
    "frequency": "Purchases",
    "monetary": "Net spend",
    "lifecycle_stage": "Lifecycle stage",
    "warning_band": "Warning",
    "rfm_segment": "RFM segment",
    "value_class": "Value class",
    "value_class_tier": "Value class tier",
    "value_tier": "Value tier",
    "profit_tier": "Profit tier",
    "value_basis": "Value based on",
    "margin_amount": "Margin",
    "revenue_amount": "Revenue",
    "second_lifetime_value_amount": "Second lifetime value",
    "first_life_value_amount": "First-life value",
    "first_life_days": "First-life days",
    "is_first_life_value_negative": "First life lost money",
    "winback_score_amount": "Win-back score",
    "retainability": "Retainability",
    "response_likelihood": "Response likelihood",
    "p_alive": "Probability still a customer",
    "reason_code": "Reason code",
    "reason_category": "Churn reason",
    "reason_reported_on": "Reason reported on",
    "churn_type": "Churn type",
    "is_reason_known": "Reason known",
    "is_lost": "Lost",
    "lost_since": "Lost since",
    "signed_up_date": "Signed up",
    "state_entered_date": "In this state since",
}

MONEY_COLUMNS = {"monetary"}
PROBABILITY_COLUMNS = {"retainability", "p_alive"}
MONEY_DECIMALS, DAY_DECIMALS, RATIO_DECIMALS, PROBABILITY_DECIMALS, NUMBER_DECIMALS = 2, 1, 2, 3, 2

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FORMULA_STARTS = ("=", "@", "\t", "\r")


def label_for(column: str, labels: Mapping[str, str] | None = None) -> str:
    """The header of a column: the caller's label, SALES_LABELS', or the name in words."""
    if labels and column in labels:
        return labels[column]
    if column in SALES_LABELS:
        return SALES_LABELS[column]
    return str(column).replace("_", " ").strip().capitalize()


def column_kind(name: str, dtype) -> str:
    """How a column's cells are written: boolean, date, money, days, ratio,
    probability, integer, number or text (by dtype first, then by name)."""
    name = str(name).lower()
    if pd.api.types.is_bool_dtype(dtype) or name.startswith(("is_", "has_")):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "days"
    if name.endswith("_amount") or name in MONEY_COLUMNS:
        return "money"
    if name.startswith("days_") or name.endswith("_days"):
        return "days"
    if name.endswith("_ratio"):
        return "ratio"
    if (name in PROBABILITY_COLUMNS or name.endswith(("_likelihood", "_probability", "_share"))
            or name.startswith("share_") or "_share_" in name):
        return "probability"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return "text"


def is_null(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_decimal(value) -> Decimal | None:
    """A number as the Decimal of its shortest repr (0.1 + 0.2 -> 0.30000000000000004,
    2.675 -> 2.675, not its binary expansion); None when it is not a number."""
    if isinstance(value, bool | np.bool_):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, numbers.Integral):
        return Decimal(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def fixed(value, decimals: int) -> str:
    """The number rounded half up to `decimals` places, plain digits and '.'
    (no exponent, no thousands separator, never '-0.00'); text that is no
    number is written as text."""
    number = as_decimal(value)
    if number is None:
        return text_cell(value)
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = rounded.copy_abs()
    return f"{rounded:f}"


def yes_no(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, numbers.Real) and value in (0, 1):
        return "Yes" if value else "No"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return "Yes" if value.strip().lower() == "true" else "No"
    return text_cell(value)


def text_cell(value) -> str:
    """Text as written, with a leading apostrophe where Excel would run it as a formula."""
    if isinstance(value, bool | np.bool_):
        return yes_no(value)
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return fixed(value, NUMBER_DECIMALS)
    text = str(value)
    if text.startswith(_FORMULA_STARTS) or (text.startswith(("+", "-")) and not _NUMBER.fullmatch(text)):
        return "'" + text
    return text


def date_cells(series: pd.Series) -> pd.Series:
    """ISO dates; timestamps with their time when any value of the column has one."""
    values = series.dropna()
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
        series = series.dt.tz_localize(None)
    has_time = bool(len(values)) and bool((values != values.dt.normalize()).any())
    pattern = "%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d"
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        # vectorised: mapping a datetime column value by value costs seconds per thousand rows
        return series.dt.strftime(pattern).fillna("")
    return series.map(lambda value: "" if is_null(value) else value.strftime(pattern))


def fixed_cells(series: pd.Series, decimals: int) -> pd.Series:
    """fixed(value, decimals) for a whole numeric column at once: the same
    cells, half up from each number's shortest repr, without a Decimal per
    cell (a 365-day export spent most of its time there). Values whose
    scaled fraction lies within rounding error of one half, or too large for
    exact float arithmetic, take the exact per-value path."""
    values = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    cells = np.full(len(values), "", dtype=object)
    finite = np.isfinite(values)
    scale = 10 ** decimals
    scaled = np.abs(np.where(finite, values, 0.0)) * scale
    fraction = scaled - np.floor(scaled)
    exact = finite & (scaled < 1e12) & (np.abs(fraction - 0.5) > 1e-6)
    units = np.floor(scaled[exact] + 0.5).astype(np.int64)
    sign = np.where((values[exact] < 0) & (units != 0), "-", "")
    text = pd.Series(units // scale).astype(str).to_numpy(dtype=object)
    if decimals:
        text = text + "." + pd.Series(units % scale).astype(str).str.zfill(decimals).to_numpy(dtype=object)
    cells[exact] = sign + text
    for position in np.flatnonzero(finite & ~exact):
        cells[position] = fixed(series.iloc[position], decimals)
    return pd.Series(cells, index=series.index, dtype=object)


KIND_DECIMALS = {"money": MONEY_DECIMALS, "days": DAY_DECIMALS, "ratio": RATIO_DECIMALS,
                 "probability": PROBABILITY_DECIMALS, "integer": 0, "number": NUMBER_DECIMALS}


def cell_decimals(kind: str, series: pd.Series) -> int | None:
    """The decimals a figure column's cells are rounded to (the module
    docstring's table); None for booleans, dates and text."""
    if kind not in KIND_DECIMALS:
        return None
    if kind == "days" and pd.api.types.is_integer_dtype(series.dtype):
        return 0
    if kind == "number":
        values = pd.to_numeric(series, errors="coerce").dropna()
        values = values[np.isfinite(values.astype(float))]
        if len(values) and bool((values == values.round()).all()):
            return 0
    return KIND_DECIMALS[kind]


def cell_writer(kind: str, series: pd.Series) -> Callable[[object], str]:
    """The cell of one value of a column of this kind."""
    if kind == "boolean":
        return yes_no
    decimals = cell_decimals(kind, series)
    if decimals is None:
        return text_cell
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return lambda value: fixed(value / pd.Timedelta(days=1), decimals)
    return lambda value: fixed(value, decimals)


def numeric_decimals(kind: str, series: pd.Series) -> int | None:
    """cell_decimals for a plain numeric (not boolean, not object) column,
    whose cells fixed_cells writes at once; None for every other column."""
    dtype = series.dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return None
    return cell_decimals(kind, series)


def sales_cells(series: pd.Series) -> pd.Series:
    """One column as the CSV's text cells (see the module docstring)."""
    kind = column_kind(series.name, series.dtype)
    if kind == "date":
        return date_cells(series)
    decimals = numeric_decimals(kind, series)
    if decimals is not None:
        return fixed_cells(series, decimals)
    write = cell_writer(kind, series)
    return series.astype(object).map(lambda value: "" if is_null(value) else write(value))


def sales_frame(frame: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The frame as the CSV shows it: every cell text, headers in words."""
    headers = [label_for(column, labels) for column in frame.columns]
    duplicates = sorted({header for header in headers if headers.count(header) > 1})
    if duplicates:
        raise ValueError(f"two columns would share the header(s) {duplicates}: pass labels that tell them apart")
    cells = pd.DataFrame(
        {position: sales_cells(frame.iloc[:, position].rename(column))
         for position, column in enumerate(frame.columns)},
        index=frame.index,
    )
    cells.columns = headers
    return cells


def write_atomically(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Call write(temporary path) in path's directory, then rename into place;
    on any error the temporary file is removed and the old file stays."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_sales_csv(frame: pd.DataFrame, path: Path | str, labels: Mapping[str, str] | None = None) -> Path:
    """The frame as the CSV a sales person opens in Excel (module docstring), atomically."""
    return write_cells_csv(sales_frame(frame, labels), path)


def write_cells_csv(cells: pd.DataFrame, path: Path | str) -> Path:
    """A frame of sales_frame's cells (or rows of one) as the CSV, atomically:
    several files cut from one formatted frame share its formatting."""
    return write_atomically(
        path, lambda temporary: cells.to_csv(temporary, index=False, encoding=CSV_ENCODING, lineterminator="\r\n")
    )


def write_parquet(frame: pd.DataFrame, path: Path | str) -> Path:
    """The frame unchanged, typed columns, as Parquet, atomically."""
    return write_atomically(path, lambda temporary: frame.to_parquet(temporary, index=False))


def write_sales_files(
    frame: pd.DataFrame, directory: Path | str, name: str, labels: Mapping[str, str] | None = None
) -> tuple[Path, Path]:
    """<directory>/<name>.csv for Excel and <directory>/<name>.parquet, typed; returns both paths."""
    directory = Path(directory)
    return (
        write_sales_csv(frame, directory / f"{name}.csv", labels),
        write_parquet(frame, directory / f"{name}.parquet"),
    )
