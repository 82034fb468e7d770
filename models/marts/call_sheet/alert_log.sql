-- Every action the call sheet gave sales to carry out: one row per as-of
-- date and customer with contact_status 'contact_today' in marts.call_sheet
-- (the rows of that day's files), with the list, action, channel, priority
-- and rank; and every action withheld from the control group
-- (contact_status 'holdout', is_holdout). The record the contact cadence
-- promises and that marts.alert_outcomes judges. Incremental like the call
-- sheet: each run replaces exactly its own as-of dates, so re-running a day
-- keeps one copy of its actions.

-- The contract in models/marts/call_sheet/_call_sheet__models.yml fixes every column
-- and its type. A log is history that cannot be rebuilt from the sheet's
-- current rules, so columns added to it later are appended to an existing
-- table (on_schema_change append_new_columns; older rows hold null there).

{{ as_of_date_incremental_config(on_schema_change='append_new_columns') }}

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
        call_sheet.value_at_stake_amount,
        call_sheet.contact_status = 'holdout' as is_holdout,
        call_sheet.state_entered_date
    from call_sheet
    inner join as_of_dates
        on call_sheet.as_of_date = as_of_dates.as_of_date
        and as_of_dates.is_reported_date
    where call_sheet.contact_status in ('contact_today', 'holdout')

)

select * from logged
