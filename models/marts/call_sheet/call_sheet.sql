-- The daily call sheet: one row per as-of date and customer to act on that
-- day, each customer at most once, with the one action that matters most:
--   1. every list the customer qualifies for (int_customer_actions_proposed)
--      and the playbook row of each (seeds/playbook.csv);
--   2. one list per customer: the lowest playbook precedence wins, then the
--      higher value at stake;
--   3. contact cadence: a customer is listed on the day they enter their
--      state on that list (is_new_alert), then again every var
--      contact_cooldown_days[list] days while they stay in it; a worse state
--      (a higher warning band, nearly lost -> lost, another list) is a new
--      state and is listed at once. Between those days they are not listed;
--   4. capacity: per channel at most var channel_daily_capacity[channel]
--      contacts a day, by value at stake; the rest move to the channel's
--      overflow channel (seeds/contact_channels.csv), and when that is full
--      too, or there is none, they wait (contact_status 'waiting', with the
--      reason in channel_note);
--   5. control group: a customer of the holdout (var holdout_share,
--      macros/definitions/holdout.sql) who would be contacted today is not
--      (contact_status 'holdout'; their capacity slot stays unused), so
--      treated and held-out customers come from the same population;
--   6. sheet_rank 1..n over the day: customers to contact today first, by
--      value at stake (macros/definitions/value_at_stake.sql), then those
--      waiting, then the held-out.
-- The per-list files are this sheet filtered on action_list. Incremental
-- like customer_segment_history: each run replaces exactly its own as-of
-- dates, and a day's sheet depends only on that day's state, so a backfill
-- gives the same sheets as daily runs.

-- The contract in models/marts/call_sheet/_call_sheet__models.yml fixes every column and its
-- type; on_schema_change fail (see customer_segment_history).

{{ as_of_date_incremental_config(on_schema_change='fail') }}

{%- set cooldowns = days_per_action_list('contact_cooldown_days', example_days=14, every_list=false) %}

with proposed as (

    select * from {{ ref('int_customer_actions_proposed') }}

),

channels as (

    select * from {{ ref('contact_channels') }}

),

contacts as (

    select * from {{ ref('int_customer_contacts_resolved') }}

),

chosen as (

    -- one list per customer and day: the playbook's precedence, then value
    select
        *,
        row_number() over (
            partition by as_of_date, customer_id
            order by precedence, value_at_stake_amount desc, action_list
        ) as list_choice
    from proposed

),

in_cadence as (

    select
        *,
        {{ dbt.datediff('state_entered_date', 'as_of_date', 'day') }} as days_in_state,
        case action_list
        {%- for list_name, days in cooldowns.items() %}
            when '{{ list_name }}' then {{ days | int }}
        {%- endfor %}
            else 1
        end as cooldown_days
    from chosen
    where list_choice = 1

),

due as (

    select
        *,
        days_in_state <= 0 as is_new_alert,
        {{ is_in_holdout('customer_id') }} as is_holdout
    from in_cadence
    where days_in_state <= 0
        or mod(days_in_state, cooldown_days) = 0

),

first_channel_ranked as (

    select
        due.*,
        channels.overflow_channel,
        row_number() over (
            partition by due.as_of_date, due.playbook_channel
            order by due.value_at_stake_amount desc, due.customer_id
        ) as first_channel_rank
    from due
    left join channels
        on due.playbook_channel = channels.channel

),

assigned as (

    select
        *,
        coalesce(first_channel_rank > {{ channel_daily_capacity('playbook_channel') }}, false) as is_over_first_capacity
    from first_channel_ranked

),

assigned_channel as (

    select
        *,
        case when is_over_first_capacity then overflow_channel else playbook_channel end as assigned_channel
    from assigned

),

channel_ranked as (

    select
        *,
        case when assigned_channel is not null then row_number() over (
            partition by as_of_date, assigned_channel
            order by value_at_stake_amount desc, customer_id
        ) end as channel_rank
    from assigned_channel

),

statused as (

    select
        *,
        case
            when assigned_channel is null then 'waiting'
            when coalesce(channel_rank > {{ channel_daily_capacity('assigned_channel') }}, false) then 'waiting'
            -- within capacity but in the control group: the slot stays unused
            when is_holdout then 'holdout'
            else 'contact_today'
        end as contact_status
    from channel_ranked

),

noted as (

    select
        *,
        case
            when contact_status = 'waiting' and assigned_channel is null then {{ dbt.concat([
                "'Waiting: the '", "playbook_channel", "' capacity of '",
                "cast(" ~ channel_daily_capacity('playbook_channel') ~ " as " ~ dbt.type_string() ~ ")",
                "' a day is reached and it has no overflow channel.'"
            ]) }}
            when contact_status = 'waiting' then {{ dbt.concat([
                "'Waiting: the '", "assigned_channel", "' capacity of '",
                "cast(" ~ channel_daily_capacity('assigned_channel') ~ " as " ~ dbt.type_string() ~ ")",
                "' a day is reached.'"
            ]) }}
            when contact_status = 'holdout'
                then 'Control group (var holdout_share): not contacted, so that the outcomes of the contacted can be compared with theirs.'
            when is_over_first_capacity then {{ dbt.concat([
                "'Moved from '", "playbook_channel", "' to '", "assigned_channel", "': the '",
                "playbook_channel", "' capacity of '",
                "cast(" ~ channel_daily_capacity('playbook_channel') ~ " as " ~ dbt.type_string() ~ ")",
                "' a day is reached.'"
            ]) }}
        end as channel_note
    from statused

),

ranked as (

    select
        *,
        row_number() over (
            partition by as_of_date
            order by case contact_status when 'contact_today' then 0 when 'waiting' then 1 else 2 end,
                value_at_stake_amount desc, customer_id
        ) as sheet_rank
    from noted

),

final as (

    -- The contract's columns (models/marts/call_sheet/_call_sheet__models.yml).
    select
        as_of_date,
        cast(sheet_rank as {{ dbt.type_bigint() }}) as sheet_rank,
        ranked.customer_id,
        contacts.customer_name,
        contacts.email,
        contacts.phone,
        contacts.account_owner,
        action_list,
        recommended_action,
        coalesce(case when contact_status = 'contact_today' then assigned_channel end, playbook_channel)
            as recommended_channel,
        contact_status,
        channel_note,
        cast(channel_rank as {{ dbt.type_bigint() }}) as channel_rank,
        priority,
        list_reason as alert_reason,
        is_new_alert,
        list_state,
        state_entered_date,
        cast(days_in_state as {{ dbt.type_bigint() }}) as days_in_state,
        cast(value_at_stake_amount as decimal(18, 2)) as value_at_stake_amount,
        cast(expected_future_margin_amount as decimal(18, 2)) as expected_future_margin_amount,
        cast(loss_risk as double) as loss_risk,
        cast(second_lifetime_value_amount as decimal(18, 2)) as second_lifetime_value_amount,
        retainability,
        response_likelihood,
        reason_category,
        profit_tier,
        cast(margin_amount as decimal(18, 2)) as margin_amount,
        value_basis,
        value_class,
        value_class_tier,
        rfm_segment,
        lifecycle_stage,
        warning_band,
        cast(days_since_last_purchase as {{ dbt.type_bigint() }}) as days_since_last_purchase,
        expected_interval_days,
        expected_interval_ratio,
        last_purchase_date,
        expected_next_purchase_date,
        cast(frequency as {{ dbt.type_bigint() }}) as frequency
    from ranked
    left join contacts
        on ranked.customer_id = contacts.customer_id

)

select * from final
