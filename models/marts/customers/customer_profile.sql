-- One row per customer as of the latest as-of date of the run: what the
-- customer marts say about them that day, side by side. Lifecycle stage and
-- recency (customer_lifecycle), RFM scores, segment and value class
-- (customer_rfm), profit tier and margin (customer_value), the day's entry
-- on the call sheet (call_sheet) and the win-back rank
-- (winback_candidates). Nothing is computed here: each figure is the one
-- its own mart defines, so "everything about a customer today" is one table
-- for BI tools and the report. A customer without a purchase occasion has
-- no RFM, value or win-back row (nulls); one not on today's sheet has no
-- action_list (null).

with lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

customer_value as (

    select * from {{ ref('customer_value') }}

),

call_sheet as (

    select * from {{ ref('call_sheet') }}

),

winback as (

    select * from {{ ref('winback_candidates') }}

),

joined as (

    select
        lifecycle.as_of_date,
        lifecycle.customer_id,
        lifecycle.lifecycle_stage,
        lifecycle.first_purchase_date,
        lifecycle.days_since_last_purchase,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_segment,
        rfm.value_class,
        customer_value.profit_tier,
        customer_value.margin_amount,
        call_sheet.action_list,
        call_sheet.recommended_channel,
        call_sheet.contact_status,
        call_sheet.sheet_rank,
        winback.winback_rank
    from lifecycle
    left join rfm
        on lifecycle.customer_id = rfm.customer_id
        and lifecycle.as_of_date = rfm.as_of_date
    left join customer_value
        on lifecycle.customer_id = customer_value.customer_id
        and lifecycle.as_of_date = customer_value.as_of_date
    left join call_sheet
        on lifecycle.customer_id = call_sheet.customer_id
        and lifecycle.as_of_date = call_sheet.as_of_date
    left join winback
        on lifecycle.customer_id = winback.customer_id
        and lifecycle.as_of_date = winback.as_of_date

)

select * from joined
