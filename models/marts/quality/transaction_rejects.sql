-- Every raw transaction row the run did not use, with the reason and its raw
-- text: rows that failed validation, and valid rows dated after the as-of
-- date of the run (reason after_as_of_date). count(raw) = count(used) + count(rejected)
-- (tests/dbt/assert_raw_rows_reconcile.sql). A rejected row never depends on
-- an as-of date existing: when no row is usable (so no as-of date resolves)
-- every row is still here, with a null as_of_date.

with validated as (

    select * from {{ ref('int_transactions_validated') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

latest as (

    select as_of_date from as_of_dates where is_latest_date

),

rejected as (

    select
        validated.source_file,
        validated.source_row_number,
        coalesce(
            validated.reject_reason,
            case when validated.ordered_date > latest.as_of_date then 'after_as_of_date' end
        ) as reject_reason,
        validated.customer_id_raw,
        validated.order_id_raw,
        validated.line_id_raw,
        validated.ordered_at_raw,
        validated.amount_raw,
        validated.quantity_raw,
        validated.product_id_raw,
        validated.currency_raw,
        validated.cost_raw,
        latest.as_of_date
    from validated
    left join latest on 1 = 1

),

final as (

    select * from rejected
    where reject_reason is not null

)

select * from final
