-- One row per purchase occasion, all dates: a customer-day that is a purchase
-- occasion (macros/definitions/purchase_occasion.sql; several orders or lines
-- that day are one occasion, a day of returns only is none). Numbered per
-- customer, with the gap to the previous occasion and the customer's rhythm
-- as it stood right after this occasion (means over the last var
-- recent_interval_count gaps, lifetime mean and median gap, spend per
-- occasion), how many of the recent gaps and occasions are slower and
-- smaller than the earlier ones (the evidence of
-- macros/definitions/churn_signals.sql), and whether it ended a lost spell
-- (a reactivation). Independent of the as-of date; later states read these
-- figures. Incremental by customer (macros/incremental/customer_changes.sql):
-- a build renumbers the customers whose days changed since its last build,
-- and every customer when a setting below changed.
{{ customer_changes_config(
    parents=[{'model': 'int_customer_days_aggregated', 'written_at': 'built_at'}],
    settings=[
        'occasion_min_net_amount', 'zero_amount_day_is_occasion', 'recent_interval_count',
        'alert_interval_slowdown_factor', 'alert_spend_drop_share', 'lost_interval_multiple'
    ],
    settings_models=['int_business_rules_resolved'],
) }}

{%- set recent_count = var('recent_interval_count') %}
{%- set plan = customer_changes_plan() %}

with customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}
    {{ customer_changes_filter(plan) }}

),

business_rules as (

    select * from {{ ref('int_business_rules_resolved') }}

),

occasions as (

    select
        customer_id,
        activity_date as purchase_date,
        net_amount
    from customer_days
    where {{ is_purchase_occasion('net_amount') }}

),

numbered as (

    select
        customer_id,
        purchase_date,
        net_amount,
        -- bigint on every engine (Spark's row_number and datediff are int)
        cast(row_number() over (partition by customer_id order by purchase_date) as {{ dbt.type_bigint() }})
            as purchase_number,
        lag(purchase_date) over (partition by customer_id order by purchase_date) as previous_purchase_date
    from occasions

),

gaps as (

    select
        *,
        cast({{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }} as {{ dbt.type_bigint() }})
            as days_since_previous_purchase
    from numbered

),

running as (

    select
        *,
        avg(days_since_previous_purchase) over (
            partition by customer_id order by purchase_number
            rows between {{ recent_count - 1 }} preceding and current row
        ) as mean_recent_interval_days,
        avg(days_since_previous_purchase) over (
            partition by customer_id order by purchase_number
            rows between unbounded preceding and current row
        ) as mean_interval_days,
        {{ median('days_since_previous_purchase') }} over (
            partition by customer_id order by purchase_number
            rows between unbounded preceding and current row
        ) as median_interval_days,
        -- double on every engine (Spark keeps avg and division of decimals decimal)
        cast(avg(net_amount) over (
            partition by customer_id order by purchase_number
            rows between {{ recent_count - 1 }} preceding and current row
        ) as double) as mean_recent_occasion_amount,
        sum(net_amount) over (
            partition by customer_id order by purchase_number
            rows between {{ recent_count - 1 }} preceding and current row
        ) as recent_occasion_amount,
        sum(net_amount) over (
            partition by customer_id order by purchase_number
            rows between unbounded preceding and current row
        ) as cumulative_occasion_amount,
        -- the rhythm before the recent gaps: what they are compared with
        avg(days_since_previous_purchase) over (
            partition by customer_id order by purchase_number
            rows between unbounded preceding and {{ recent_count }} preceding
        ) as mean_earlier_interval_days,
        {%- for offset in range(recent_count) %}
        lag(days_since_previous_purchase, {{ offset }}) over (
            partition by customer_id order by purchase_number
        ) as recent_interval_{{ offset }}_days,
        lag(net_amount, {{ offset }}) over (
            partition by customer_id order by purchase_number
        ) as recent_occasion_{{ offset }}_amount,
        {%- endfor %}
        -- the rhythm as it stood before this occasion, for reactivations
        avg(days_since_previous_purchase) over (
            partition by customer_id order by purchase_number
            rows between {{ recent_count }} preceding and 1 preceding
        ) as prior_mean_recent_interval_days
    from gaps

),

earlier_spend as (

    select
        *,
        case
            when purchase_number > {{ recent_count }}
                then cast((cumulative_occasion_amount - recent_occasion_amount) as double)
                    / (purchase_number - {{ recent_count }})
        end as mean_earlier_occasion_amount
    from running

),

recent_evidence as (

    -- of the last recent_interval_count gaps and occasions, how many are
    -- slower / smaller than the earlier ones by the alert thresholds; null
    -- while there is nothing earlier to compare with
    select
        *,
        case
            when mean_earlier_interval_days is not null then
                {%- for offset in range(recent_count) %}
                case when {{ is_slower_interval('recent_interval_' ~ offset ~ '_days', 'mean_earlier_interval_days') }} then 1 else 0 end
                {{- ' +' if not loop.last }}
                {%- endfor %}
        end as count_recent_slow_intervals,
        case
            when mean_earlier_occasion_amount is not null then
                {%- for offset in range(recent_count) %}
                case when {{ is_smaller_occasion('recent_occasion_' ~ offset ~ '_amount', 'mean_earlier_occasion_amount') }} then 1 else 0 end
                {{- ' +' if not loop.last }}
                {%- endfor %}
        end as count_recent_small_occasions
    from earlier_spend

),

reactivations as (

    select
        recent_evidence.*,
        coalesce(
            recent_evidence.days_since_previous_purchase
                > {{ lost_window_days('business_rules.business_lost_window_days', 'recent_evidence.prior_mean_recent_interval_days') }},
            false
        ) as is_reactivation
    from recent_evidence
    cross join business_rules

),

cumulative as (

    select
        customer_id,
        purchase_date,
        purchase_number,
        previous_purchase_date,
        days_since_previous_purchase,
        net_amount,
        mean_recent_interval_days,
        mean_interval_days,
        median_interval_days,
        mean_earlier_interval_days,
        count_recent_slow_intervals,
        mean_recent_occasion_amount,
        mean_earlier_occasion_amount,
        count_recent_small_occasions,
        prior_mean_recent_interval_days,
        is_reactivation,
        sum(case when is_reactivation then 1 else 0 end) over (
            partition by customer_id order by purchase_number
            rows between unbounded preceding and current row
        ) as count_reactivations,
        max(case when is_reactivation then purchase_date end) over (
            partition by customer_id order by purchase_number
            rows between unbounded preceding and current row
        ) as last_reactivated_date,
        {{ customer_changes_columns(plan) }}
    from reactivations

)

select * from cumulative
