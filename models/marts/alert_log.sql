-- Every action the call sheet gave sales to carry out: one row per as-of
-- date and customer with contact_status 'contact_today' in marts.call_sheet
-- (the rows of that day's files), with the list, action, channel, priority
-- and rank. The record the contact cadence promises and that outcomes are
-- judged against. Incremental like the call sheet: each run replaces exactly
-- its own as-of dates, so re-running a day keeps one copy of its actions.

-- The contract in models/marts/_marts__models.yml fixes every column and its
-- type; on_schema_change fail (see customer_segment_history).

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='as_of_date',
    on_schema_change='fail',
) }}

with call_sheet as (

    select * from {{ ref('call_sheet') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

logged as (

    select
        call_sheet.customer_id,
        call_sheet.as_of_date,
        call_sheet.action_list,
        call_sheet.recommended_action,
        call_sheet.recommended_channel,
        call_sheet.priority,
        call_sheet.sheet_rank,
        call_sheet.channel_rank,
        call_sheet.is_new_alert,
        call_sheet.list_state,
        call_sheet.profit_tier,
        call_sheet.value_at_stake_amount
    from call_sheet
    inner join as_of_dates
        on call_sheet.as_of_date = as_of_dates.as_of_date
        and as_of_dates.is_reported_date
    where call_sheet.contact_status = 'contact_today'

)

select * from logged
