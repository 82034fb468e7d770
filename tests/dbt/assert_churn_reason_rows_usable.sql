-- Every row of the churn-reasons file (var churn_reasons_path) must be usable:
-- a reason that cannot be tied to a customer and a day would silently leave a
-- customer ranked as "reason unknown" in marts.winback_candidates (or keep one
-- whose reason rules a win-back out). Returns each unusable row with its
-- file, row number, raw text and reason; any row fails the build.

with churn_reasons as (

    select * from {{ ref('stg_raw__churn_reasons') }}

),

checked as (

    select
        source_file,
        source_row_number,
        customer_id_raw,
        reported_on_raw,
        reason_code_raw,
        case
            when customer_id is null then 'missing_customer_id'
            when reported_on is null then 'unparseable_reported_on'
            when reason_code is null then 'missing_reason_code'
        end as reject_reason
    from churn_reasons

)

select * from checked
where reject_reason is not null
