-- Did the actions work? Per action list, action and profit tier (and per
-- list over all its actions and tiers: recommended_action and profit_tier
-- 'all'), the contacted against the control group (var holdout_share) over
-- the customers' first episode on the list whose outcome window has ended
-- (marts.alert_outcomes; each customer once, so the two groups are
-- independent samples): how many, the share who bought again in
-- the window, its difference (the uplift) with a confidence interval of
-- var uplift_interval_z standard errors (Agresti-Caffo,
-- macros/definitions/uplift.sql), and margin per episode. Without a
-- control group the held-out side is empty and the uplift null: the
-- treated rate alone cannot tell the effect from who would have come back
-- anyway.

{%- set z = uplift_interval_z() %}

with outcomes as (

    select * from {{ ref('alert_outcomes') }}

),

closed_episodes as (

    select
        *,
        row_number() over (
            partition by customer_id, action_list
            order by as_of_date
        ) as customer_episode_number
    from outcomes
    where is_first_action_of_episode
        and is_window_closed

),

episodes as (

    -- each customer once per list (their first episode with an ended
    -- window): a customer's episodes share the customer, so counting them
    -- all would overstate the evidence
    select *
    from closed_episodes
    where customer_episode_number = 1

),

grouped as (

    select action_list, recommended_action, coalesce(profit_tier, '(none)') as profit_tier, is_holdout,
        has_purchased, margin_amount, known_through_date
    from episodes

    union all

    select action_list, 'all' as recommended_action, 'all' as profit_tier, is_holdout,
        has_purchased, margin_amount, known_through_date
    from episodes

),

sides as (

    select
        action_list,
        recommended_action,
        profit_tier,
        max(known_through_date) as known_through_date,
        sum(case when not is_holdout then 1 else 0 end) as count_treated,
        sum(case when is_holdout then 1 else 0 end) as count_held_out,
        sum(case when not is_holdout and has_purchased then 1 else 0 end) as count_treated_bought,
        sum(case when is_holdout and has_purchased then 1 else 0 end) as count_held_out_bought,
        sum(case when not is_holdout then margin_amount else 0 end) as treated_margin_amount,
        sum(case when is_holdout then margin_amount else 0 end) as held_out_margin_amount
    from grouped
    group by action_list, recommended_action, profit_tier

),

rates as (

    select
        *,
        {{ share_of('count_treated_bought', 'count_treated') }} as treated_repurchase_rate,
        {{ share_of('count_held_out_bought', 'count_held_out') }} as held_out_repurchase_rate,
        {{ share_of('treated_margin_amount', 'count_treated') }} as treated_margin_per_episode_amount,
        {{ share_of('held_out_margin_amount', 'count_held_out') }} as held_out_margin_per_episode_amount
    from sides

),

uplifted as (

    select
        *,
        treated_repurchase_rate - held_out_repurchase_rate as repurchase_uplift,
        {{ uplift_interval_centre('count_treated_bought', 'count_treated', 'count_held_out_bought', 'count_held_out') }}
            as repurchase_uplift_interval_centre,
        {{ uplift_standard_error('count_treated_bought', 'count_treated', 'count_held_out_bought', 'count_held_out') }}
            as repurchase_uplift_standard_error
    from rates

),

final as (

    select
        known_through_date,
        action_list,
        recommended_action,
        profit_tier,
        cast(count_treated as {{ dbt.type_bigint() }}) as count_treated,
        cast(count_held_out as {{ dbt.type_bigint() }}) as count_held_out,
        cast(count_treated_bought as {{ dbt.type_bigint() }}) as count_treated_bought,
        cast(count_held_out_bought as {{ dbt.type_bigint() }}) as count_held_out_bought,
        treated_repurchase_rate,
        held_out_repurchase_rate,
        repurchase_uplift,
        repurchase_uplift_standard_error,
        repurchase_uplift_interval_centre - {{ z }} * repurchase_uplift_standard_error as repurchase_uplift_lower,
        repurchase_uplift_interval_centre + {{ z }} * repurchase_uplift_standard_error as repurchase_uplift_upper,
        coalesce(
            repurchase_uplift_interval_centre - {{ z }} * repurchase_uplift_standard_error > 0
            or repurchase_uplift_interval_centre + {{ z }} * repurchase_uplift_standard_error < 0,
            false
        ) as is_uplift_significant,
        cast(treated_margin_per_episode_amount as decimal(18, 6)) as treated_margin_per_episode_amount,
        cast(held_out_margin_per_episode_amount as decimal(18, 6)) as held_out_margin_per_episode_amount,
        cast(treated_margin_per_episode_amount - held_out_margin_per_episode_amount as decimal(18, 6))
            as margin_uplift_per_episode_amount
    from uplifted

)

select * from final
