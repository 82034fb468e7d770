"""Demo input files for the customer-retention warehouse.

Two ways to get transactions to play with, both written as plain CSV files:

``generate_demo_data(out_dir)``
    A synthetic shop that sells about 200 products in EUR. It writes

    * ``transactions.csv`` -- one row per order line::

          customer_id,order_id,line_id,ordered_at,amount,quantity,product_id,currency,cost
          C00042,O0001234,1,2025-03-14 17:05:09,38.40,2,P0117,EUR,21.12

      ``amount`` is the line total (quantity x the product's fixed unit
      price) and ``cost`` is quantity x the product's fixed unit cost (40-80 %
      of the price). Orders have 1-4 lines; about 5 % of purchase days have a
      second order later that day. About 4 % of orders get a return 1-20 days
      later: a new order id ``R0000001`` whose line has the same product,
      negative quantity, negative amount and negative cost. A few one-time
      buyers are refunded in full, and a few customers return something on a
      day they also buy something.

      The customers behave in recognisable ways ("archetypes", see
      ``ARCHETYPE_PERCENT``): weekly-ish, monthly and quarterly buyers,
      one-time buyers (some long ago, some in the last 30 days), churners who
      stop buying well before the end date, customers whose gaps between
      purchases keep growing, customers whose baskets keep shrinking, and
      customers who only started recently. The archetype is not written to
      the file -- finding it is the warehouse's job.

      About 0.5 % of the rows are deliberately bad (at least 3 of each kind):
      empty or blank customer id, unparseable timestamp, unparseable amount,
      zero amount, a timestamp in 2099, and exact duplicates of a valid row.
      Bad rows other than duplicates carry their own order ids. Valid rows
      never have surrounding spaces and are never dated after ``end_date``.
      Rows are sorted by ordered_at, order_id, line_id; the bad rows are
      scattered among them.

      Optionally (``contact_response_rate`` > 0 with ``contacts``) the shop
      answers its own sales team: every contacted customer buys again with
      that probability, see "Simulated response to contacts" below.

    * ``customers.csv`` -- ``customer_id,signed_up_at,channel`` for every
      customer with valid transactions plus 40-60 prospects (ids after the
      buyers' ids) who never bought anything.

    The output depends only on the arguments: same arguments, same bytes.

Simulated response to contacts (the demo's known effect)
    To show that the outcome marts find an effect that is there and none
    that is not, the generator can make contacted customers come back more
    often. Pass ``contacts``: the actions the warehouse logged as contacted
    (``marts.alert_log`` rows with ``is_holdout`` false: customer id and
    as-of date) from a run on the same data without the effect, and
    ``contact_response_rate`` p. Each customer's contacts are taken in date
    order; each one, independently with probability p, is answered by an
    extra one-line order 1-``RESPONSE_MAX_DELAY_DAYS`` days later (order id
    ``S0000001``, ...), and after a customer's first answer their later
    contacts are not (from there on the run with the effect contacts them
    differently). Answers after ``end_date`` are not written. Everything
    else stays byte for byte as without the effect; the answers are
    appended at the end of ``transactions.csv``, like a late feed. Held-out
    customers are never contacted, so they never answer.

    The documented effect size: a contacted customer who would not have
    bought within a list's outcome window (at least
    ``RESPONSE_MAX_DELAY_DAYS`` days) buys in it with probability p, so on a
    list where a share q of the customers would have bought anyway the
    repurchase uplift is p x (1 - q) (a little more where a customer's
    reminder, after an unanswered first contact, falls in the same window).

``write_cdnow_transactions(out_dir)``
    The real CDNOW purchase log (69,659 rows, 23,570 customers, 1997-1998)
    that ships with the PyPI package ``lifetimes``, converted to
    ``customer_id,order_id,ordered_at,amount,quantity``.
"""

from __future__ import annotations

import csv
import io
import importlib.util
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

TRANSACTION_COLUMNS = (
    "customer_id", "order_id", "line_id", "ordered_at", "amount",
    "quantity", "product_id", "currency", "cost",
)
CUSTOMER_COLUMNS = ("customer_id", "signed_up_at", "channel")
CDNOW_COLUMNS = ("customer_id", "order_id", "ordered_at", "amount", "quantity")

CURRENCY = "EUR"

# The bundled data sets' first and last days: their partitions start on the
# first, their "latest day" (the default as-of date) and their freshness
# (var freshness_reference_date) are the last.
DATASET_FIRST_DAY = {"demo": date(2024, 7, 1), "cdnow": date(1997, 1, 1)}
DATASET_LAST_DAY = {"demo": date(2026, 6, 30), "cdnow": date(1998, 6, 30)}

# Products: fixed unit price 3-150 EUR, unit cost 40-80 % of the price.
N_PRODUCTS = 200
PRICE_CENTS_RANGE = (300, 15000)
COST_RATIO_RANGE = (0.40, 0.80)

# Archetype shares in percent of the buying customers (sum: 100).
ARCHETYPE_PERCENT = (
    ("frequent", 12),        # every 5-12 days
    ("monthly", 18),         # every 20-40 days
    ("quarterly", 14),       # every 60-120 days
    ("one_time", 16),        # a single purchase day
    ("churner", 14),         # regular, then stops well before end_date
    ("slowing", 10),         # each gap 1.3x the previous one
    ("spend_decliner", 8),   # regular, baskets shrink over time
    ("recent_starter", 8),   # first purchase within the last 90 days
)
FREQUENT_MEAN_DAYS = (5.0, 12.0)
MONTHLY_MEAN_DAYS = (20.0, 40.0)
QUARTERLY_MEAN_DAYS = (60.0, 120.0)
CHURNER_MEAN_DAYS = (7.0, 35.0)
CHURNER_MIN_QUIET_DAYS = 120      # churners buy nothing in the last 120+ days
SLOWING_FIRST_MEAN_DAYS = (4.0, 10.0)
SLOWING_GROWTH = 1.3
DECLINER_MEAN_DAYS = (10.0, 25.0)
DECLINER_FINAL_SCALE = 0.15       # basket scale at end_date (1.0 at start)
RECENT_STARTER_WINDOW_DAYS = 90
RECENT_STARTER_MEAN_DAYS = (5.0, 20.0)
ONE_TIME_NEW_SHARE = 0.30         # one-time buyers whose purchase is recent
NEW_WINDOW_DAYS = 30
GAP_GAMMA_SHAPE = 4.0             # jitter of the gaps (gamma, mean kept)

# Orders.
SHOP_OPEN_SECONDS = 8 * 3600      # 08:00:00
SHOP_CLOSE_SECONDS = 22 * 3600    # last order at 21:59:59
LINES_PER_ORDER_WEIGHTS = ((1, 50), (2, 25), (3, 15), (4, 10))
QUANTITY_WEIGHTS = ((1, 75), (2, 18), (3, 7))
SECOND_ORDER_RATE = 0.05

# Returns.
RETURN_RATE = 0.04
RETURN_DELAY_DAYS = (1, 20)
FULL_REFUND_CUSTOMERS = 8
SAME_DAY_RETURN_CUSTOMERS = 5

# Bad rows.
BAD_ROW_RATE = 0.005
MIN_BAD_ROWS_PER_KIND = 3
BAD_DATES = ("not a date", "2026-13-45 10:00:00")
BAD_AMOUNTS = ("abc", "12,50.x")
FUTURE_TIMESTAMP = "2099-01-01 10:00:00"

# Simulated response to contacts (off unless contact_response_rate > 0).
RESPONSE_ORDER_PREFIX = "S"
RESPONSE_MAX_DELAY_DAYS = 7

# customers.csv
CHANNEL_WEIGHTS = (("web", 45), ("store", 30), ("referral", 15), ("marketplace", 10))
SIGNUP_MAX_LEAD_DAYS = 120
PROSPECTS_RANGE = (40, 60)
PROSPECT_SIGNUP_WINDOW_DAYS = 365

CDNOW_FILE = ("datasets", "CDNOW_master.txt")
CDNOW_SAMPLE_FILE = ("datasets", "CDNOW_sample.txt")
CDNOW_INSTALL_HINT = "pip install --no-deps lifetimes==0.11.3"


# --------------------------------------------------------------------------
# Data structures
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Product:
    product_id: str
    price_cents: int
    cost_cents: int


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int  # negative on returns


@dataclass
class Customer:
    customer_id: str
    archetype: str
    # (purchase day, basket scale 0-1], sorted by day, days distinct
    purchase_days: list[tuple[date, float]]


@dataclass
class Order:
    customer_id: str
    day: date
    seconds: int  # since midnight
    lines: list[Line]
    order_id: str = ""
    returned: bool = False  # a return has been drawn for this order


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def _money(cents: int) -> str:
    """Integer cents as a 2-decimal string, e.g. -1205 -> '-12.05'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _timestamp(day: date, seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{day.isoformat()} {hours:02d}:{minutes:02d}:{secs:02d}"


def _weighted(rng: random.Random, weights: tuple[tuple, ...]):
    """A value drawn from ((value, integer weight), ...)."""
    x = rng.random() * sum(weight for _, weight in weights)
    for value, weight in weights:
        x -= weight
        if x < 0:
            return value
    return weights[-1][0]


def _shop_time(rng: random.Random) -> int:
    return rng.randrange(SHOP_OPEN_SECONDS, SHOP_CLOSE_SECONDS)


def _gap(rng: random.Random, mean_days: float) -> int:
    """A jittered gap between purchase days: gamma distributed, >= 1 day."""
    value = rng.gammavariate(GAP_GAMMA_SHAPE, mean_days / GAP_GAMMA_SHAPE)
    return max(1, round(value))


def _rhythm(rng: random.Random, first: date, last: date, mean_days: float,
            growth: float = 1.0) -> list[date]:
    """Purchase days from `first` to `last` (inclusive); each mean gap is
    `growth` times the previous one."""
    days = []
    day = first
    while day <= last:
        days.append(day)
        day += timedelta(days=_gap(rng, mean_days))
        mean_days *= growth
    return days


def _day_in(rng: random.Random, low: date, high: date) -> date:
    """A uniform day in [low, high] (high is clipped to low)."""
    span = max(0, (high - low).days)
    return low + timedelta(days=rng.randint(0, span))


def _flat(days: list[date]) -> list[tuple[date, float]]:
    return [(day, 1.0) for day in days]


# --------------------------------------------------------------------------
# Archetypes: each returns the customer's purchase days with a basket scale
# --------------------------------------------------------------------------

def _frequent_days(rng, start, end):
    first = _day_in(rng, start, start + (end - start) // 3)
    return _flat(_rhythm(rng, first, end, rng.uniform(*FREQUENT_MEAN_DAYS)))


def _monthly_days(rng, start, end):
    first = _day_in(rng, start, start + (end - start) // 2)
    return _flat(_rhythm(rng, first, end, rng.uniform(*MONTHLY_MEAN_DAYS)))


def _quarterly_days(rng, start, end):
    first = _day_in(rng, start, start + (end - start) // 4)
    return _flat(_rhythm(rng, first, end, rng.uniform(*QUARTERLY_MEAN_DAYS)))


def _one_time_days(rng, start, end):
    if rng.random() < ONE_TIME_NEW_SHARE:
        day = _day_in(rng, end - timedelta(days=NEW_WINDOW_DAYS - 1), end)
    else:
        day = _day_in(rng, start, end - timedelta(days=NEW_WINDOW_DAYS + 1))
    return [(day, 1.0)]


def _churner_days(rng, start, end):
    first = _day_in(rng, start, start + (end - start) // 4)
    stop_latest = end - timedelta(days=CHURNER_MIN_QUIET_DAYS)
    stop = _day_in(rng, first + (stop_latest - first) // 3, stop_latest)
    return _flat(_rhythm(rng, first, stop, rng.uniform(*CHURNER_MEAN_DAYS)))


def _slowing_days(rng, start, end):
    first = _day_in(rng, start, start + (end - start) // 4)
    mean = rng.uniform(*SLOWING_FIRST_MEAN_DAYS)
    return _flat(_rhythm(rng, first, end, mean, growth=SLOWING_GROWTH))


def _spend_decliner_days(rng, start, end):
    first = _day_in(rng, start, start + (end - start) // 4)
    days = _rhythm(rng, first, end, rng.uniform(*DECLINER_MEAN_DAYS))
    span = max(1, (end - first).days)
    drop = 1.0 - DECLINER_FINAL_SCALE
    return [(day, 1.0 - drop * (day - first).days / span) for day in days]


def _recent_starter_days(rng, start, end):
    window_start = max(start, end - timedelta(days=RECENT_STARTER_WINDOW_DAYS - 1))
    first = _day_in(rng, window_start, end)
    return _flat(_rhythm(rng, first, end, rng.uniform(*RECENT_STARTER_MEAN_DAYS)))


ARCHETYPE_DAYS = {
    "frequent": _frequent_days,
    "monthly": _monthly_days,
    "quarterly": _quarterly_days,
    "one_time": _one_time_days,
    "churner": _churner_days,
    "slowing": _slowing_days,
    "spend_decliner": _spend_decliner_days,
    "recent_starter": _recent_starter_days,
}


# --------------------------------------------------------------------------
# Products, customers, orders
# --------------------------------------------------------------------------

def _make_products(rng: random.Random) -> list[Product]:
    products = []
    for number in range(1, N_PRODUCTS + 1):
        price = rng.randint(*PRICE_CENTS_RANGE)
        cost = round(price * rng.uniform(*COST_RATIO_RANGE))
        products.append(Product(f"P{number:04d}", price, cost))
    return products


def _archetype_counts(n_customers: int) -> list[tuple[str, int]]:
    """Split n_customers by ARCHETYPE_PERCENT (largest remainder, exact)."""
    total = sum(percent for _, percent in ARCHETYPE_PERCENT)
    counts = [(n_customers * percent) // total for _, percent in ARCHETYPE_PERCENT]
    by_remainder = sorted(
        range(len(ARCHETYPE_PERCENT)),
        key=lambda i: (-((n_customers * ARCHETYPE_PERCENT[i][1]) % total), i),
    )
    for i in by_remainder[: n_customers - sum(counts)]:
        counts[i] += 1
    return [(name, count) for (name, _), count in zip(ARCHETYPE_PERCENT, counts)]


def _make_customers(rng: random.Random, n_customers: int, start: date,
                    end: date) -> list[Customer]:
    labels = [name for name, count in _archetype_counts(n_customers) for _ in range(count)]
    rng.shuffle(labels)
    customers = []
    for number, archetype in enumerate(labels, start=1):
        days = ARCHETYPE_DAYS[archetype](rng, start, end)
        customers.append(Customer(f"C{number:05d}", archetype, days))
    return customers


def _basket(rng: random.Random, products_by_price: list[Product], scale: float) -> list[Line]:
    """1-4 lines of distinct products. A smaller scale means fewer lines,
    single items and cheaper products (used by the spend decliners)."""
    pool = products_by_price[: max(5, round(scale * len(products_by_price)))]
    n_lines = _weighted(rng, LINES_PER_ORDER_WEIGHTS)
    if scale < 0.6:
        n_lines = min(n_lines, 2 if scale >= 0.3 else 1)
    lines = []
    for product in rng.sample(pool, n_lines):
        quantity = _weighted(rng, QUANTITY_WEIGHTS) if scale >= 0.5 else 1
        lines.append(Line(product, quantity))
    return lines


def _make_orders(rng: random.Random, customers: list[Customer],
                 products: list[Product]) -> list[Order]:
    """One order per purchase day, sometimes a second one later that day
    (never for one-time buyers: their single order stays single)."""
    products_by_price = sorted(products, key=lambda p: (p.price_cents, p.product_id))
    orders = []
    for customer in customers:
        for day, scale in customer.purchase_days:
            second = customer.archetype != "one_time" and rng.random() < SECOND_ORDER_RATE
            if second:
                times = sorted(rng.sample(range(SHOP_OPEN_SECONDS, SHOP_CLOSE_SECONDS), 2))
            else:
                times = [_shop_time(rng)]
            for seconds in times:
                lines = _basket(rng, products_by_price, scale)
                orders.append(Order(customer.customer_id, day, seconds, lines))
    return orders


def _number_orders(orders: list[Order], prefix: str, first_number: int = 1) -> None:
    """Order ids in time order: O0000001, O0000002, ..."""
    orders.sort(key=lambda o: (o.day, o.seconds, o.customer_id))
    for number, order in enumerate(orders, start=first_number):
        order.order_id = f"{prefix}{number:07d}"


# --------------------------------------------------------------------------
# Returns
# --------------------------------------------------------------------------

def _return_of(order: Order, lines: list[Line], day: date, seconds: int) -> Order:
    order.returned = True
    negated = [Line(line.product, -line.quantity) for line in lines]
    return Order(order.customer_id, day, seconds, negated)


def _full_refunds(rng, customers, orders_by_customer, end) -> list[Order]:
    """Some one-time buyers send their whole (only) order back."""
    latest = end - timedelta(days=RETURN_DELAY_DAYS[1])
    candidates = [
        c.customer_id for c in customers
        if c.archetype == "one_time" and c.purchase_days[0][0] <= latest
    ]
    chosen = rng.sample(candidates, min(FULL_REFUND_CUSTOMERS, len(candidates)))
    refunds = []
    for customer_id in chosen:
        (order,) = orders_by_customer[customer_id]
        day = order.day + timedelta(days=rng.randint(*RETURN_DELAY_DAYS))
        refunds.append(_return_of(order, order.lines, day, _shop_time(rng)))
    return refunds


def _same_day_returns(rng, customers, orders_by_customer) -> list[Order]:
    """A few repeat customers return a line later on the day they bought it."""
    candidates = [
        c.customer_id for c in customers
        if c.archetype != "one_time" and len(c.purchase_days) >= 3
    ]
    chosen = rng.sample(candidates, min(SAME_DAY_RETURN_CUSTOMERS, len(candidates)))
    returns = []
    for customer_id in chosen:
        early = [o for o in orders_by_customer[customer_id]
                 if not o.returned and o.seconds <= SHOP_CLOSE_SECONDS - 3600]
        if not early:
            continue
        order = rng.choice(early)
        seconds = order.seconds + rng.randint(60, SHOP_CLOSE_SECONDS - 1 - order.seconds)
        returns.append(_return_of(order, [rng.choice(order.lines)], order.day, seconds))
    return returns


def _random_returns(rng, orders, end) -> list[Order]:
    """About RETURN_RATE of the orders get one line back 1-20 days later."""
    returns = []
    for order in orders:
        if order.returned or rng.random() >= RETURN_RATE:
            continue
        day = order.day + timedelta(days=rng.randint(*RETURN_DELAY_DAYS))
        if day > end:
            continue
        returns.append(_return_of(order, [rng.choice(order.lines)], day, _shop_time(rng)))
    return returns


def _make_returns(rng, customers, orders, end) -> list[Order]:
    orders_by_customer: dict[str, list[Order]] = {}
    for order in orders:
        orders_by_customer.setdefault(order.customer_id, []).append(order)
    returns = _full_refunds(rng, customers, orders_by_customer, end)
    returns += _same_day_returns(rng, customers, orders_by_customer)
    returns += _random_returns(rng, orders, end)
    _number_orders(returns, "R")
    return returns


# --------------------------------------------------------------------------
# Simulated response to contacts
# --------------------------------------------------------------------------

def _contact_responses(seed: int, contacts, rate: float, products: list[Product],
                       end: date) -> list[Order]:
    """Each customer's contacts in date order; each answered with probability
    `rate` by a one-line order 1-RESPONSE_MAX_DELAY_DAYS days later, until
    the customer's first answer. Every draw has its own stream (seed,
    customer, day), so a contact's answer does not depend on the others."""
    if not 0 <= rate <= 1:
        raise ValueError(f"contact_response_rate must be between 0 and 1, got {rate}")
    if rate == 0 or not contacts:
        return []
    products_by_price = sorted(products, key=lambda p: (p.price_cents, p.product_id))
    by_customer: dict[str, set[date]] = {}
    for customer_id, contacted_on in contacts:
        day = contacted_on if isinstance(contacted_on, date) else date.fromisoformat(str(contacted_on)[:10])
        by_customer.setdefault(str(customer_id), set()).add(day)
    responses = []
    for customer_id in sorted(by_customer):
        for day in sorted(by_customer[customer_id]):
            rng = random.Random(f"{seed}:contact-response:{customer_id}:{day.isoformat()}")
            if rng.random() >= rate:
                continue
            answered_on = day + timedelta(days=rng.randint(1, RESPONSE_MAX_DELAY_DAYS))
            if answered_on <= end:
                lines = _basket(rng, products_by_price, 1.0)[:1]
                responses.append(Order(customer_id, answered_on, _shop_time(rng), lines))
            break
    _number_orders(responses, RESPONSE_ORDER_PREFIX)
    return responses


# --------------------------------------------------------------------------
# Rows, bad rows
# --------------------------------------------------------------------------

def _order_rows(order: Order) -> list[tuple[str, ...]]:
    ordered_at = _timestamp(order.day, order.seconds)
    rows = []
    for line_id, line in enumerate(order.lines, start=1):
        rows.append((
            order.customer_id,
            order.order_id,
            str(line_id),
            ordered_at,
            _money(line.quantity * line.product.price_cents),
            str(line.quantity),
            line.product.product_id,
            CURRENCY,
            _money(line.quantity * line.product.cost_cents),
        ))
    return rows


def _bad_row_kinds():
    """Bad-row kinds: name -> function(rng, template row, i) -> bad row.
    `template` is a valid sale row already given a fresh order id."""
    def with_field(row, column, value):
        values = list(row)
        values[TRANSACTION_COLUMNS.index(column)] = value
        return tuple(values)

    return {
        "empty_customer_id": lambda rng, row, i: with_field(row, "customer_id", ""),
        "blank_customer_id": lambda rng, row, i: with_field(row, "customer_id", " " * rng.randint(1, 4)),
        "bad_timestamp": lambda rng, row, i: with_field(row, "ordered_at", BAD_DATES[i % len(BAD_DATES)]),
        "bad_amount": lambda rng, row, i: with_field(row, "amount", BAD_AMOUNTS[i % len(BAD_AMOUNTS)]),
        "zero_amount": lambda rng, row, i: with_field(row, "amount", "0.00"),
        "future_timestamp": lambda rng, row, i: with_field(row, "ordered_at", FUTURE_TIMESTAMP),
    }


def _make_bad_rows(rng: random.Random, valid_rows: list[tuple[str, ...]],
                   next_order_number: int) -> list[tuple[str, ...]]:
    """About BAD_ROW_RATE of the rows, at least MIN_BAD_ROWS_PER_KIND per kind.
    Each bad row except the duplicates is a one-line order with its own id."""
    kinds = _bad_row_kinds()
    n_kinds = len(kinds) + 1  # + exact duplicates
    per_kind = max(MIN_BAD_ROWS_PER_KIND, round(BAD_ROW_RATE * len(valid_rows) / n_kinds))
    sales = [row for row in valid_rows if row[1].startswith("O")]
    bad = []
    for name in kinds:
        for i in range(per_kind):
            template = list(rng.choice(sales))
            template[1] = f"O{next_order_number:07d}"
            template[2] = "1"
            next_order_number += 1
            bad.append(kinds[name](rng, tuple(template), i))
    bad.extend(rng.sample(sales, per_kind))  # exact duplicates
    return bad


def _scatter(rng: random.Random, rows: list, extra: list) -> list:
    """Insert `extra` rows at pseudo-random positions."""
    rows = list(rows)
    for row in extra:
        rows.insert(rng.randint(0, len(rows)), row)
    return rows


# --------------------------------------------------------------------------
# customers.csv
# --------------------------------------------------------------------------

def _customer_rows(rng, customers, orders, n_customers, end) -> list[tuple[str, str, str]]:
    first_purchase: dict[str, date] = {}
    for order in orders:
        if order.customer_id not in first_purchase or order.day < first_purchase[order.customer_id]:
            first_purchase[order.customer_id] = order.day
    rows = []
    for customer in customers:
        first = first_purchase[customer.customer_id]
        lead = 0 if rng.random() < 0.5 else rng.randint(1, SIGNUP_MAX_LEAD_DAYS)
        signed_up = first - timedelta(days=lead)
        rows.append((customer.customer_id, signed_up.isoformat(), _weighted(rng, CHANNEL_WEIGHTS)))
    for number in range(n_customers + 1, n_customers + 1 + rng.randint(*PROSPECTS_RANGE)):
        signed_up = end - timedelta(days=rng.randint(0, PROSPECT_SIGNUP_WINDOW_DAYS))
        rows.append((f"C{number:05d}", signed_up.isoformat(), _weighted(rng, CHANNEL_WEIGHTS)))
    return rows


def _write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    """Writes the file only when its content changes: the warehouse loads a
    file again when its size or modification time changed, so a second
    `make demo` stays an incremental run."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    content = text.getvalue().encode("utf-8")
    if path.exists() and path.stat().st_size == len(content) and path.read_bytes() == content:
        return
    path.write_bytes(content)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------

def generate_demo_data(
    out_dir: Path,
    seed: int = 20260630,
    n_customers: int = 1500,
    end_date: date = DATASET_LAST_DAY["demo"],
    history_days: int = 730,
    contacts=None,
    contact_response_rate: float = 0.0,
) -> dict[str, Path]:
    """Write the synthetic ``transactions.csv`` and ``customers.csv`` into
    `out_dir` (see the module docstring). Deterministic in its arguments.
    `contacts` (pairs of customer id and contact date) with
    `contact_response_rate` > 0 add the simulated answers to them."""
    if n_customers < 1 or n_customers > 99_999 - PROSPECTS_RANGE[1]:
        raise ValueError(f"n_customers must be between 1 and {99_999 - PROSPECTS_RANGE[1]}")
    if history_days < 2 * CHURNER_MIN_QUIET_DAYS:
        raise ValueError(f"history_days must be at least {2 * CHURNER_MIN_QUIET_DAYS}")
    rng = random.Random(seed)
    start = end_date - timedelta(days=history_days)

    products = _make_products(rng)
    customers = _make_customers(rng, n_customers, start, end_date)
    orders = _make_orders(rng, customers, products)
    _number_orders(orders, "O")
    returns = _make_returns(rng, customers, orders, end_date)

    valid_rows = [row for order in orders + returns for row in _order_rows(order)]
    valid_rows.sort(key=lambda row: (row[3], row[1], int(row[2])))
    bad_rows = _make_bad_rows(rng, valid_rows, next_order_number=len(orders) + 1)
    transaction_rows = _scatter(rng, valid_rows, bad_rows)
    customer_rows = _customer_rows(rng, customers, orders, n_customers, end_date)
    # last, from streams of their own: the effect only adds rows
    responses = _contact_responses(seed, contacts, contact_response_rate, products, end_date)
    transaction_rows += [row for order in responses for row in _order_rows(order)]

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"transactions": out_dir / "transactions.csv", "customers": out_dir / "customers.csv"}
    _write_csv(paths["transactions"], TRANSACTION_COLUMNS, transaction_rows)
    _write_csv(paths["customers"], CUSTOMER_COLUMNS, customer_rows)
    return paths


def demo_customer_archetypes(
    seed: int = 20260630,
    n_customers: int = 1500,
    end_date: date = DATASET_LAST_DAY["demo"],
    history_days: int = 730,
) -> dict[str, str]:
    """The true archetype of every buying customer of the demo that
    ``generate_demo_data`` writes with the same arguments: customer_id ->
    archetype (a name of ARCHETYPE_PERCENT). Prospects have none. It replays
    the generator's deterministic steps up to the customers (same seed, same
    draws in the same order) and writes nothing, so the warehouse's findings
    can be scored against the truth the file does not carry."""
    if n_customers < 1 or n_customers > 99_999 - PROSPECTS_RANGE[1]:
        raise ValueError(f"n_customers must be between 1 and {99_999 - PROSPECTS_RANGE[1]}")
    if history_days < 2 * CHURNER_MIN_QUIET_DAYS:
        raise ValueError(f"history_days must be at least {2 * CHURNER_MIN_QUIET_DAYS}")
    rng = random.Random(seed)
    start = end_date - timedelta(days=history_days)
    _make_products(rng)  # draws before the customers': keeps the stream in step
    customers = _make_customers(rng, n_customers, start, end_date)
    return {customer.customer_id: customer.archetype for customer in customers}


def _find_cdnow_file(parts: tuple[str, ...] = CDNOW_FILE) -> Path:
    """A CDNOW file inside the installed `lifetimes` package, found
    without importing it (its import breaks on recent setuptools)."""
    try:
        spec = importlib.util.find_spec("lifetimes")
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location).joinpath(*parts)
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{parts[-1]} not found: it ships with the PyPI package 'lifetimes'. "
        f"Install it with `{CDNOW_INSTALL_HINT}` (without its dependencies) "
        f"or pass source=<path to {parts[-1]}>."
    )


def write_cdnow_transactions(out_dir: Path, source: Path | None = None) -> dict[str, Path]:
    """Convert the CDNOW master log (``customer_id date number_of_cds
    dollar_value``, whitespace separated, one header line) to
    ``out_dir/transactions.csv`` with columns
    customer_id,order_id,ordered_at,amount,quantity. Every row is kept, in
    file order; order_id is T + the 1-based row number (T000001)."""
    source = Path(source) if source is not None else _find_cdnow_file()
    with source.open(encoding="utf-8") as handle:  # universal newlines: file uses CRLF
        header = handle.readline().split()
        if header != ["customer_id", "date", "number_of_cds", "dollar_value"]:
            raise ValueError(f"{source}: unexpected header {header}")
        rows = _cdnow_rows(source, handle, first_line_number=2, id_field=0)
    return _write_cdnow_csv(out_dir, rows)


def write_cdnow_sample_transactions(out_dir: Path, source: Path | None = None) -> dict[str, Path]:
    """The CDNOW 1/10 cohort of Fader, Hardie and Lee (2,357 customers):
    ``CDNOW_sample.txt`` has no header and two ids (master, cohort); the
    cohort id is the customer_id. Same output as write_cdnow_transactions."""
    source = Path(source) if source is not None else _find_cdnow_file(CDNOW_SAMPLE_FILE)
    with source.open(encoding="utf-8") as handle:
        rows = _cdnow_rows(source, handle, first_line_number=1, id_field=1, ignored_fields=1)
    return _write_cdnow_csv(out_dir, rows)


def _cdnow_rows(source: Path, handle, first_line_number: int, id_field: int, ignored_fields: int = 0) -> list:
    rows = []
    for line_number, line in enumerate(handle, start=first_line_number):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4 + ignored_fields or len(fields[-3]) != 8 or not fields[-3].isdigit():
            raise ValueError(f"{source}:{line_number}: cannot parse {line!r}")
        customer_id, (day, quantity, amount) = fields[id_field], fields[-3:]
        ordered_at = date(int(day[:4]), int(day[4:6]), int(day[6:])).isoformat()
        rows.append((customer_id, f"T{len(rows) + 1:06d}", ordered_at, amount, str(int(quantity))))
    return rows


def _write_cdnow_csv(out_dir: Path, rows: list) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "transactions.csv"
    _write_csv(path, CDNOW_COLUMNS, rows)
    return {"transactions": path}
