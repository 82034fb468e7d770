-- One row per raw transaction row with its reject_reason (null = usable).
-- Reasons are checked in a fixed order and the first that applies wins.
-- Independent of the as-of date, so a later issue can make it incremental;
-- rows after the as-of date are set aside in marts.transaction_rejects.

{%- set run_date = var('run_date') | string | trim %}

with transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

plausible_window as (

    select
        {{ date_literal(var('min_plausible_date')) }} as min_plausible_date,
        {{ add_days(
            date_literal(run_date) if run_date != '' else date_literal(run_started_at.strftime('%Y-%m-%d')),
            var('future_tolerance_days')
        ) }} as max_plausible_date

),

copies_numbered as (

    -- exact duplicate lines: every raw column identical; the first copy is kept
    select
        transactions.*,
        cast(transactions.ordered_at as date) as ordered_date,
        row_number() over (
            partition by
                customer_id_raw, order_id_raw, line_id_raw, ordered_at_raw, amount_raw,
                quantity_raw, product_id_raw, currency_raw, cost_raw
            order by source_file, source_row_number
        ) as copy_number
    from transactions

),

validated as (

    select
        copies_numbered.*,
        case
            when copies_numbered.customer_id is null then 'missing_customer_id'
            when copies_numbered.order_id is null then 'missing_order_id'
            when copies_numbered.ordered_at is null then 'unparseable_ordered_at'
            when copies_numbered.amount is null then 'unparseable_amount'
            when copies_numbered.quantity is null and copies_numbered.quantity_raw is not null
                and copies_numbered.quantity_raw != '' then 'unparseable_quantity'
            when copies_numbered.cost is null and copies_numbered.cost_raw is not null
                and copies_numbered.cost_raw != '' then 'unparseable_cost'
            when copies_numbered.amount = 0 then 'zero_amount'
            when copies_numbered.ordered_date > plausible_window.max_plausible_date then 'ordered_at_in_future'
            when copies_numbered.ordered_date < plausible_window.min_plausible_date then 'ordered_at_before_min_plausible_date'
            when copies_numbered.copy_number > 1 then 'duplicate_line'
        end as reject_reason
    from copies_numbered
    cross join plausible_window

)

select * from validated
