-- One row per customer and calendar day (business time zone) with any usable
-- transaction: net amount and what it is made of. The transaction-level step:
-- it does not depend on the as-of date, so it can become incremental.

with usable_transactions as (

    select * from {{ ref('int_transactions_validated') }}
    where reject_reason is null

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
        max(ordered_at) as last_ordered_at
    from usable_transactions
    group by customer_id, ordered_date

)

select * from customer_days
