-- The daily lists for sales: one row per as-of date and customer on a list,
-- each customer on at most one list a day, first match wins:
--   winback         lost (past the lost window)
--   churn_risk      lifecycle stage alert: overdue against their rhythm,
--                   rhythm slowing or spend falling
--   repurchase_due  due to buy again now (warning band repurchase_due)
-- with the figures behind the alert, the reason in words, and the action,
-- channel and priority from seeds/playbook.csv by value tier
-- (seeds/value_classes.csv). is_new_alert: the customer was not on the same
-- list the day before. alert_rank orders each day's list: priority, then net
-- spend. Incremental like customer_segment_history: each run replaces exactly
-- its own as-of dates, so an export always reads the day it asks for.

-- The contract in models/marts/_marts__models.yml fixes every column and its
-- type. dbt requires an incremental model with an enforced contract to set
-- on_schema_change to append_new_columns or fail; fail: a table built under
-- another schema (an older contract) stops the run rather than silently
-- keeping old types or growing new columns. To change the schema, alter the
-- existing table by hand (alter table ... add column / alter column ... type)
-- before the next run: --full-refresh would keep only the run's dates.

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='as_of_date',
    on_schema_change='fail',
) }}

with lifecycle as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

value_classes as (

    select * from {{ ref('value_classes') }}

),

playbook as (

    select * from {{ ref('playbook') }}

),

reported_dates as (

    select
        as_of_date,
        {{ add_days('as_of_date', -1) }} as previous_as_of_date
    from as_of_dates
    where is_reported_date

),

classified as (

    select
        lifecycle.*,
        rfm.rfm_segment,
        rfm.value_class,
        case
            when lifecycle.is_lost then 'winback'
            when lifecycle.lifecycle_stage = 'alert' then 'churn_risk'
            when lifecycle.warning_band = 'repurchase_due' then 'repurchase_due'
        end as alert_type
    from lifecycle
    inner join rfm
        on lifecycle.customer_id = rfm.customer_id
        and lifecycle.as_of_date = rfm.as_of_date

),

todays_alerts as (

    select
        classified.*,
        reported_dates.previous_as_of_date
    from classified
    inner join reported_dates
        on classified.as_of_date = reported_dates.as_of_date
    where classified.alert_type is not null

),

yesterdays_alerts as (

    -- every computed day: the run's dates and the day before them
    select
        classified.customer_id,
        classified.as_of_date,
        classified.alert_type
    from classified
    where classified.alert_type is not null

),

{%- set days = "cast(" ~ "days_since_last_purchase" ~ " as " ~ dbt.type_string() ~ ")" %}
{%- set interval = "cast(round(expected_interval_days, 1) as " ~ dbt.type_string() ~ ")" %}

reasoned as (

    select
        todays_alerts.*,
        case todays_alerts.alert_type
            when 'winback' then {{ dbt.concat([
                "'No purchase for '", days, "' days; lost after '",
                "cast(round(lost_window_days, 1) as " ~ dbt.type_string() ~ ")", "' days, since '",
                "cast(lost_since as " ~ dbt.type_string() ~ ")", "'.'"
            ]) }}
            when 'churn_risk' then trim({{ dbt.concat([
                "case when warning_band in ('churn_risk', 'probably_gone') then " ~ dbt.concat([
                    "'Overdue: '", days, "' days since the last purchase against a usual '", interval,
                    "' days (ratio '", "cast(round(expected_interval_ratio, 2) as " ~ dbt.type_string() ~ ")", "'). '"
                ]) ~ " else '' end",
                "case when is_rhythm_slowing then " ~ dbt.concat([
                    "'Buying rhythm slowed: recent gaps average '",
                    "cast(round(mean_recent_interval_days, 1) as " ~ dbt.type_string() ~ ")",
                    "' days against '", "cast(round(mean_interval_days, 1) as " ~ dbt.type_string() ~ ")", "' over their history. '"
                ]) ~ " else '' end",
                "case when is_spend_falling then " ~ dbt.concat([
                    "'Spend per purchase fell to '", "cast(round(mean_recent_occasion_amount, 2) as " ~ dbt.type_string() ~ ")",
                    "' from '", "cast(round(mean_earlier_occasion_amount, 2) as " ~ dbt.type_string() ~ ")", "'. '"
                ]) ~ " else '' end",
            ]) }})
            else {{ dbt.concat([
                "'Due to buy again: '", days, "' days since the last purchase, usual interval '", interval,
                "' days, expected by '", "cast(expected_next_purchase_date as " ~ dbt.type_string() ~ ")", "'.'"
            ]) }}
        end as alert_reason
    from todays_alerts

),

actioned as (

    select
        reasoned.customer_id,
        reasoned.as_of_date,
        reasoned.alert_type,
        yesterdays_alerts.customer_id is null as is_new_alert,
        reasoned.days_since_last_purchase,
        reasoned.expected_interval_days,
        reasoned.interval_basis,
        reasoned.recency_ratio,
        reasoned.expected_interval_ratio,
        reasoned.last_purchase_date,
        reasoned.expected_next_purchase_date,
        reasoned.lost_since,
        -- a sum (DuckDB HUGEINT) and a sum of numeric(28,6) amounts
        -- (decimal(38,6)): cast to the contract types on purpose
        cast(reasoned.frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(reasoned.monetary as decimal(18, 6)) as monetary,
        reasoned.lifecycle_stage,
        reasoned.warning_band,
        reasoned.rfm_segment,
        reasoned.value_class,
        value_classes.value_tier,
        reasoned.alert_reason,
        playbook.action as recommended_action,
        playbook.channel as recommended_channel,
        playbook.priority
    from reasoned
    left join yesterdays_alerts
        on reasoned.customer_id = yesterdays_alerts.customer_id
        and reasoned.previous_as_of_date = yesterdays_alerts.as_of_date
        and reasoned.alert_type = yesterdays_alerts.alert_type
    left join value_classes
        on reasoned.value_class = value_classes.value_class
    left join playbook
        on reasoned.alert_type = playbook.alert_type
        and value_classes.value_tier = playbook.value_tier

),

ranked as (

    select
        *,
        row_number() over (
            partition by as_of_date, alert_type
            order by priority, monetary desc, customer_id
        ) as alert_rank
    from actioned

)

select * from ranked
