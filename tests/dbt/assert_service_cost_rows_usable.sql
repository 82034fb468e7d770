-- Every row of the cost-to-serve file (var service_costs_path) must be usable:
-- a cost that cannot be attributed to a customer and a day would make
-- marts.customer_value's margins quietly too high. Returns each unusable row
-- with its file, row number, raw text and reason; any row fails the build of
-- customer_value (and, in Dagster, the run), so nothing is dropped silently.

with service_costs as (

    select * from {{ ref('stg_raw__service_costs') }}

),

checked as (

    select
        source_file,
        source_row_number,
        customer_id_raw,
        incurred_on_raw,
        cost_to_serve_raw,
        case
            when customer_id is null then 'missing_customer_id'
            when incurred_on is null then 'unparseable_incurred_on'
            when cost_to_serve_amount is null then 'unparseable_cost_to_serve'
        end as reject_reason
    from service_costs

)

select * from checked
where reject_reason is not null
