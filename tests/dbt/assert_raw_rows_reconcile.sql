{{ config(meta={'dagster': {'ref': {'name': 'transaction_rejects'}}}) }}
-- Nothing is silently dropped: every loaded raw row is either used (counted
-- in the customer-day aggregates up to the as-of date) or in
-- transaction_rejects. Returns one row when the counts disagree. (The load
-- holds every row of every file of the feed: one row per file row, read
-- once; tests/test_incremental_load.py compares a file-by-file load with a
-- full read. Counting the files here would read them all on every run.)
with raw_rows as (
    select count(*) as count_raw_rows from {{ ref('int_transactions_validated') }}
),

latest as (
    select as_of_date from {{ ref('int_as_of_dates_resolved') }} where is_latest_date
),

used_rows as (
    select coalesce(sum(customer_days.count_lines), 0) as count_used_rows
    from {{ ref('int_customer_days_aggregated') }} as customer_days
    cross join latest
    where customer_days.activity_date <= latest.as_of_date
),

rejected_rows as (
    select count(*) as count_rejected_rows from {{ ref('transaction_rejects') }}
)

select *
from raw_rows
cross join used_rows
cross join rejected_rows
where count_raw_rows != count_used_rows + count_rejected_rows
