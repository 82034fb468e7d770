-- Whom to win back first, as of the run's LATEST as-of date: the win-back
-- list's rows (is_winback_list, macros/definitions/action_lists.sql) of
-- int_customer_actions_proposed that day (lost customers, and those not
-- lost yet but overdue by at least var winback_min_overdue_ratio x their
-- usual interval and var winback_min_days_since_last_purchase days; a churn
-- reason that is not retainable leaves a customer out), ranked by
-- winback_score_amount = second lifetime value x retainability x likelihood
-- to respond (macros/definitions/value_at_stake.sql). winback_rank 1 = first
-- (ties by customer_id). The whole ranking, whether or not the contact
-- cadence lists the customer today: marts.call_sheet says who to contact.

with proposed as (

    select * from {{ ref('int_customer_actions_proposed') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

candidates as (

    select proposed.*
    from proposed
    inner join as_of_dates
        on proposed.as_of_date = as_of_dates.as_of_date
        and as_of_dates.is_latest_date
    where {{ is_winback_list('proposed.action_list') }}

),

scored as (

    select
        *,
        cast(value_at_stake_amount as decimal(18, 6)) as winback_score_amount
    from candidates

),

ranked as (

    -- by the score as published, so equal published scores tie-break by id
    select
        *,
        row_number() over (order by winback_score_amount desc, customer_id) as winback_rank
    from scored

),

final as (

    -- The contract's columns (models/marts/call_sheet/_call_sheet__models.yml).
    select
        customer_id,
        as_of_date,
        is_lost,
        lost_since,
        warning_band,
        cast(days_since_last_purchase as {{ dbt.type_bigint() }}) as days_since_last_purchase,
        expected_interval_ratio,
        value_basis,
        cast(margin_amount as decimal(18, 6)) as first_life_value_amount,
        cast(active_life_days as double) as first_life_days,
        cast(second_lifetime_value_amount as decimal(18, 6)) as second_lifetime_value_amount,
        margin_amount < 0 as is_first_life_value_negative,
        reason_code,
        reason_reported_on,
        reason_category,
        churn_type,
        is_reason_known,
        retainability,
        response_likelihood,
        winback_score_amount,
        cast(winback_rank as {{ dbt.type_bigint() }}) as winback_rank,
        profit_tier,
        value_class_tier,
        recommended_action,
        playbook_channel as recommended_channel,
        priority
    from ranked

)

select * from final
