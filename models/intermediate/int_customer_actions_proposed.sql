-- One row per reported as-of date, customer and action list the customer
-- qualifies for that day (a customer may qualify for several; the call sheet
-- keeps one by the playbook's precedence):
--   winback         lost (past the lost window), or not lost yet but overdue
--                   by at least var winback_min_overdue_ratio x their usual
--                   interval and var winback_min_days_since_last_purchase
--                   days; a churn reason that is not retainable (natural,
--                   need changed, let go on purpose) leaves them out
--   churn_risk      lifecycle stage alert (int_customer_lifecycle_staged)
--   repurchase_due  warning band repurchase_due, not alert and not lost
-- Each row has the state the customer is in on that list and the day they
-- entered it (state_entered_date: the contact cadence counts from it), the
-- value at stake (macros/definitions/value_at_stake.sql), the reason in
-- words, and the playbook row (seeds/playbook.csv) that matches the list,
-- the customer's profit tier and, where known, their churn reason category.

{%- set unknown_retainability = var('winback_unknown_reason_retainability') | float %}
{%- if not (0 <= unknown_retainability <= 1) %}
    {{ exceptions.raise_compiler_error("var winback_unknown_reason_retainability must be between 0 and 1, got '" ~ var('winback_unknown_reason_retainability') ~ "'") }}
{%- endif %}
{%- set min_overdue_ratio = var('winback_min_overdue_ratio') %}
{%- set nearly_lost_allowed = min_overdue_ratio is not none and (min_overdue_ratio | string | trim) != '' %}
{%- if nearly_lost_allowed and (min_overdue_ratio | float) < (var('probably_gone_ratio') | float) %}
    {{ exceptions.raise_compiler_error("var winback_min_overdue_ratio must be empty (lost customers only) or at least probably_gone_ratio (" ~ var('probably_gone_ratio') ~ "), got '" ~ min_overdue_ratio ~ "'") }}
{%- endif %}
{%- set min_quiet_days = var('winback_min_days_since_last_purchase') | int %}
{%- set text = dbt.type_string() %}

with lifecycle as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

customer_value as (

    select * from {{ ref('int_customer_value_summarised') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

value_classes as (

    select * from {{ ref('value_classes') }}

),

churn_reasons as (

    select * from {{ ref('stg_raw__churn_reasons') }}

),

taxonomy as (

    select * from {{ ref('churn_reason_taxonomy') }}

),

playbook as (

    select * from {{ ref('playbook') }}

),

buyers as (

    -- the reported days' buying customers with everything a list needs
    select
        lifecycle.*,
        rfm.rfm_segment,
        rfm.value_class,
        value_classes.value_class_tier,
        customer_value.margin_amount,
        customer_value.value_basis,
        customer_value.profit_tier,
        {{ first_life_days(
            'lifecycle.first_purchase_date',
            'lifecycle.last_purchase_date',
            'lifecycle.expected_interval_days'
        ) }} as active_life_days
    from lifecycle
    inner join as_of_dates
        on lifecycle.as_of_date = as_of_dates.as_of_date
        and as_of_dates.is_reported_date
    inner join rfm
        on lifecycle.customer_id = rfm.customer_id
        and lifecycle.as_of_date = rfm.as_of_date
    inner join customer_value
        on lifecycle.customer_id = customer_value.customer_id
        and lifecycle.as_of_date = customer_value.as_of_date
    left join value_classes
        on rfm.value_class = value_classes.value_class
    where lifecycle.frequency > 0

),

class_priors as (

    -- the typical margin per active day of each value class that day: what
    -- a short life is shrunk toward
    select
        as_of_date,
        value_class,
        {{ median('cast(margin_amount as double) / active_life_days') }} as class_margin_per_day
    from buyers
    group by as_of_date, value_class

),

valued as (

    select
        buyers.*,
        {{ margin_per_active_day('buyers.margin_amount', 'buyers.active_life_days', 'class_priors.class_margin_per_day') }}
            as margin_per_active_day
    from buyers
    left join class_priors
        on buyers.as_of_date = class_priors.as_of_date
        and buyers.value_class = class_priors.value_class

),

reasons_ordered as (

    -- each customer's latest reason reported on or before the as-of date
    -- (ties: the first reason_code alphabetically)
    select
        as_of_dates.as_of_date,
        churn_reasons.customer_id,
        churn_reasons.reported_on,
        churn_reasons.reason_code,
        row_number() over (
            partition by as_of_dates.as_of_date, churn_reasons.customer_id
            order by churn_reasons.reported_on desc, churn_reasons.reason_code
        ) as reason_recency
    from churn_reasons
    inner join as_of_dates
        on churn_reasons.reported_on <= as_of_dates.as_of_date
        and as_of_dates.is_reported_date
    where churn_reasons.customer_id is not null
        and churn_reasons.reason_code is not null

),

reasoned as (

    select
        valued.*,
        reasons_ordered.reason_code,
        reasons_ordered.reported_on as reason_reported_on,
        coalesce(taxonomy.reason_category, 'unknown') as reason_category,
        taxonomy.churn_type,
        taxonomy.reason_code is not null as is_reason_known,
        coalesce(taxonomy.is_retainable, true) as is_retainable,
        cast(coalesce(taxonomy.retainability, {{ unknown_retainability }}) as double) as retainability
    from valued
    left join reasons_ordered
        on valued.customer_id = reasons_ordered.customer_id
        and valued.as_of_date = reasons_ordered.as_of_date
        and reasons_ordered.reason_recency = 1
    left join taxonomy
        on reasons_ordered.reason_code = taxonomy.reason_code

),

{%- set days = "cast(days_since_last_purchase as " ~ text ~ ")" %}
{%- set interval = "cast(round(expected_interval_days, 1) as " ~ text ~ ")" %}

winback as (

    select
        *,
        'winback' as action_list,
        case when is_lost then 'lost' else 'nearly_lost' end as list_state,
        case
            when is_lost then lost_since
            else {{ add_days('last_purchase_date', 'greatest(' ~ min_quiet_days ~ ', cast(ceil(' ~ (min_overdue_ratio if nearly_lost_allowed else 0) ~ ' * expected_interval_days - 1e-9) as ' ~ dbt.type_int() ~ '))') }}
        end as state_entered_date,
        cast({{ second_lifetime_value('margin_per_active_day') }} as double) as second_lifetime_value_amount,
        cast({{ winback_response_likelihood(
            'case when is_lost then ' ~ dbt.datediff('lost_since', 'as_of_date', 'day') ~ ' else 0 end'
        ) }} as double) as response_likelihood,
        cast(null as double) as loss_risk,
        case when is_lost then {{ dbt.concat([
            "'No purchase for '", days, "' days; lost after '",
            "cast(round(lost_window_days, 1) as " ~ text ~ ")", "' days, since '",
            "cast(lost_since as " ~ text ~ ")", "'.'"
        ]) }} else {{ dbt.concat([
            "'No purchase for '", days, "' days, '",
            "cast(round(expected_interval_ratio, 1) as " ~ text ~ ")", "' times their usual '", interval,
            "' days: nearly lost.'"
        ]) }} end as list_reason
    from reasoned
    where is_retainable
        and (
            is_lost
            {%- if nearly_lost_allowed %}
            or (
                expected_interval_ratio >= {{ min_overdue_ratio }}
                and days_since_last_purchase >= {{ min_quiet_days }}
            )
            {%- endif %}
        )

),

churn_risk as (

    select
        *,
        'churn_risk' as action_list,
        warning_band as list_state,
        -- an alert waits until the customer is past their usual interval
        -- (macros/definitions/churn_signals.sql): it begins on the later of
        -- that day and the start of their warning band
        {{ add_days('last_purchase_date', 'greatest(' ~ warning_band_start_days('warning_band', 'expected_interval_days')
            ~ ', cast(floor(usual_interval_days) as ' ~ dbt.type_int() ~ ') + 1)') }} as state_entered_date,
        cast(null as double) as second_lifetime_value_amount,
        cast(null as double) as response_likelihood,
        cast({{ loss_risk('expected_interval_ratio', 'is_rhythm_slowing or is_spend_falling') }} as double) as loss_risk,
        trim({{ dbt.concat([
            "case when is_overdue then " ~ dbt.concat([
                "'Overdue: '", days, "' days since the last purchase against a usual '", interval,
                "' days (ratio '", "cast(round(expected_interval_ratio, 2) as " ~ text ~ ")", "'). '"
            ]) ~ " else '' end",
            "case when is_rhythm_slowing then " ~ dbt.concat([
                "'Buying rhythm slowed: recent gaps average '",
                "cast(round(mean_recent_interval_days, 1) as " ~ text ~ ")",
                "' days against '", "cast(round(mean_interval_days, 1) as " ~ text ~ ")", "' over their history. '"
            ]) ~ " else '' end",
            "case when is_spend_falling then " ~ dbt.concat([
                "'Spend per purchase fell to '", "cast(round(mean_recent_occasion_amount, 2) as " ~ text ~ ")",
                "' from '", "cast(round(mean_earlier_occasion_amount, 2) as " ~ text ~ ")", "'. '"
            ]) ~ " else '' end",
        ]) }}) as list_reason
    from reasoned
    where lifecycle_stage = 'alert'

),

repurchase_due as (

    select
        *,
        'repurchase_due' as action_list,
        warning_band as list_state,
        {{ add_days('last_purchase_date', warning_band_start_days('warning_band', 'expected_interval_days')) }}
            as state_entered_date,
        cast(null as double) as second_lifetime_value_amount,
        cast(null as double) as response_likelihood,
        cast({{ loss_risk('expected_interval_ratio', 'false') }} as double) as loss_risk,
        {{ dbt.concat([
            "'Due to buy again: '", days, "' days since the last purchase, usual interval '", interval,
            "' days, expected by '", "cast(expected_next_purchase_date as " ~ text ~ ")", "'.'"
        ]) }} as list_reason
    from reasoned
    where warning_band = 'repurchase_due'
        and lifecycle_stage not in ('alert', 'lost')

),

listed as (

    select * from winback
    union all
    select * from churn_risk
    union all
    select * from repurchase_due

),

margined as (

    select
        *,
        cast({{ expected_future_margin('margin_per_active_day') }} as double) as expected_future_margin_amount
    from listed

),

staked as (

    select
        *,
        cast({{ value_at_stake(
            'action_list', 'expected_future_margin_amount', 'loss_risk',
            'second_lifetime_value_amount', 'retainability', 'response_likelihood'
        ) }} as double) as value_at_stake_amount
    from margined

),

playbook_matches as (

    -- the playbook row of the list and profit tier; a row for the
    -- customer's churn reason category beats the row for any reason
    select
        staked.customer_id,
        staked.as_of_date,
        staked.action_list,
        playbook.action,
        playbook.channel,
        playbook.priority,
        playbook.precedence,
        row_number() over (
            partition by staked.customer_id, staked.as_of_date, staked.action_list
            order by case when playbook.reason_category is null then 1 else 0 end
        ) as match_order
    from staked
    inner join playbook
        on staked.action_list = playbook.action_list
        and staked.profit_tier = playbook.profit_tier
        and (playbook.reason_category is null or playbook.reason_category = staked.reason_category)

),

final as (

    select
        staked.*,
        playbook_matches.action as recommended_action,
        playbook_matches.channel as playbook_channel,
        playbook_matches.priority,
        playbook_matches.precedence
    from staked
    left join playbook_matches
        on staked.customer_id = playbook_matches.customer_id
        and staked.as_of_date = playbook_matches.as_of_date
        and staked.action_list = playbook_matches.action_list
        and playbook_matches.match_order = 1

)

select * from final
