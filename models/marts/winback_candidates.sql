-- Whom to win back first, as of the LATEST as-of date of the run (a snapshot
-- like customer_value): one row per customer who is lost
-- (customer_lifecycle.is_lost) or nearly lost (not lost yet, warning band in
-- var winback_nearly_lost_bands), with their latest churn reason reported on
-- or before the as-of date (ties: the latest reported_on, then the first
-- reason_code alphabetically), looked up in seeds/churn_reason_taxonomy.csv.
--   * a reason that is not retainable (natural, need changed, let go on
--     purpose) leaves the customer out;
--   * no reason, or a code the taxonomy does not know: kept, reason_category
--     'unknown', is_reason_known false, retainability = var
--     winback_unknown_reason_retainability.
-- winback_score_amount = second lifetime value
-- (macros/definitions/second_lifetime_value.sql) x retainability;
-- winback_rank 1 = call first (ties by customer_id). Action, channel and
-- priority come from the playbook's winback rows by the customer's value
-- tier, which is read from customer_alerts of the same day (every candidate
-- is on one of its lists: lost = winback, probably gone = churn_risk), so
-- the tier has one definition.

{%- set unknown_retainability = var('winback_unknown_reason_retainability') | float %}
{%- if not (0 <= unknown_retainability <= 1) %}
    {{ exceptions.raise_compiler_error("var winback_unknown_reason_retainability must be between 0 and 1, got '" ~ var('winback_unknown_reason_retainability') ~ "'") }}
{%- endif %}
{%- set nearly_lost_bands = var('winback_nearly_lost_bands') %}
{%- if nearly_lost_bands is string or nearly_lost_bands is not iterable %}
    {{ exceptions.raise_compiler_error("var winback_nearly_lost_bands must be a list of warning bands, e.g. ['probably_gone'], got '" ~ nearly_lost_bands ~ "'") }}
{%- endif %}

with as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

customer_value as (

    select * from {{ ref('customer_value') }}

),

churn_reasons as (

    select * from {{ ref('stg_raw__churn_reasons') }}

),

taxonomy as (

    select * from {{ ref('churn_reason_taxonomy') }}

),

alerts as (

    select * from {{ ref('customer_alerts') }}

),

playbook as (

    select * from {{ ref('playbook') }}

),

latest_date as (

    select as_of_date
    from as_of_dates
    where is_latest_date

),

candidates as (

    select lifecycle.*
    from lifecycle
    inner join latest_date
        on lifecycle.as_of_date = latest_date.as_of_date
    where lifecycle.is_lost
        {%- if nearly_lost_bands | length > 0 %}
        or lifecycle.warning_band in ({% for band in nearly_lost_bands %}'{{ band }}'{{ ', ' if not loop.last }}{% endfor %})
        {%- endif %}

),

reasons_ordered as (

    select
        churn_reasons.customer_id,
        churn_reasons.reported_on,
        churn_reasons.reason_code,
        row_number() over (
            partition by churn_reasons.customer_id
            order by churn_reasons.reported_on desc, churn_reasons.reason_code
        ) as reason_recency
    from churn_reasons
    inner join latest_date
        on churn_reasons.reported_on <= latest_date.as_of_date
    where churn_reasons.customer_id is not null
        and churn_reasons.reason_code is not null

),

classified as (

    select
        candidates.*,
        reasons_ordered.reason_code,
        reasons_ordered.reported_on as reason_reported_on,
        coalesce(taxonomy.reason_category, 'unknown') as reason_category,
        taxonomy.churn_type,
        taxonomy.reason_code is not null as is_reason_known,
        coalesce(taxonomy.is_retainable, true) as is_retainable,
        coalesce(taxonomy.retainability, {{ unknown_retainability }}) as retainability
    from candidates
    left join reasons_ordered
        on candidates.customer_id = reasons_ordered.customer_id
        and reasons_ordered.reason_recency = 1
    left join taxonomy
        on reasons_ordered.reason_code = taxonomy.reason_code

),

valued as (

    select
        classified.*,
        customer_value.value_basis,
        customer_value.margin_amount as first_life_value_amount,
        {{ first_life_days(
            'classified.first_purchase_date',
            'classified.last_purchase_date',
            'classified.expected_interval_days'
        ) }} as first_life_days
    from classified
    inner join customer_value
        on classified.customer_id = customer_value.customer_id
        and classified.as_of_date = customer_value.as_of_date
    where classified.is_retainable

),

scored as (

    select
        *,
        cast({{ second_lifetime_value('first_life_value_amount', 'first_life_days') }} as decimal(18, 6))
            as second_lifetime_value_amount
    from valued

),

weighted as (

    select
        *,
        cast(second_lifetime_value_amount * retainability as decimal(18, 6)) as winback_score_amount
    from scored

),

ranked as (

    -- by the score as published, so equal published scores tie-break by id
    select
        *,
        row_number() over (order by winback_score_amount desc, customer_id) as winback_rank
    from weighted

),

final as (

    -- The contract's columns (models/marts/_marts__models.yml).
    select
        ranked.customer_id,
        ranked.as_of_date,
        ranked.is_lost,
        ranked.lost_since,
        ranked.warning_band,
        ranked.days_since_last_purchase,
        ranked.value_basis,
        ranked.first_life_value_amount,
        ranked.first_life_days,
        ranked.second_lifetime_value_amount,
        ranked.first_life_value_amount < 0 as is_first_life_value_negative,
        ranked.reason_code,
        ranked.reason_reported_on,
        ranked.reason_category,
        ranked.churn_type,
        ranked.is_reason_known,
        cast(ranked.retainability as double) as retainability,
        ranked.winback_score_amount,
        cast(ranked.winback_rank as {{ dbt.type_bigint() }}) as winback_rank,
        alerts.value_tier,
        playbook.action as recommended_action,
        playbook.channel as recommended_channel,
        playbook.priority
    from ranked
    left join alerts
        on ranked.customer_id = alerts.customer_id
        and ranked.as_of_date = alerts.as_of_date
    left join playbook
        on playbook.alert_type = 'winback'
        and alerts.value_tier = playbook.value_tier

)

select * from final
