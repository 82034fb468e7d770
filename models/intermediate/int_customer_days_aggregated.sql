-- One row per customer and calendar day (business time zone) with any usable
-- transaction: net amount and what it is made of. The transaction-level step;
-- independent of the as-of date. Incremental by customer
-- (macros/incremental/customer_changes.sql): a build recomputes the days of
-- the customers with transaction rows loaded since its last build.
{{ customer_changes_config(
    parents=[{'model': 'int_transactions_validated', 'written_at': 'loaded_at'}],
) }}

{%- set plan = customer_changes_plan() %}

with usable_transactions as (

    select * from {{ ref('int_transactions_validated') }}
    where reject_reason is null
    {{ customer_changes_filter(plan, keyword='and') }}

),

customer_days as (

    select
        customer_id,
        ordered_date as activity_date,
        sum(amount_in_reporting_currency) as net_amount,
        sum(case when amount_in_reporting_currency > 0 then amount_in_reporting_currency else 0 end) as gross_sales_amount,
        sum(case when amount_in_reporting_currency < 0 then -amount_in_reporting_currency else 0 end) as returned_amount,
        sum(cost_in_reporting_currency) as cost_amount,
        count(distinct order_id) as count_orders,
        count(*) as count_lines,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at,
        {{ customer_changes_columns(plan) }}
    from usable_transactions
    group by customer_id, ordered_date

)

select * from customer_days
