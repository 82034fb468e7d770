-- Segment counts to drill down from: one row per reported as-of date,
-- dimension and value, with the customers, their share of the day's known
-- customers, their revenue and margin, and how to reach the customers behind
-- the count. Dimensions: lifecycle_stage, rfm_segment, value_class,
-- profit_tier and warning_band over every known customer (prospects
-- included: a dimension they have no value for counts them under '(none)'),
-- and action_list over the day's call sheet. Within a dimension the counts
-- add up to the day's customers (or the sheet's rows).
-- Drill-down: drill_down_table is the customer-level mart holding the same
-- day and column (marts.customer_segment_history, one row per customer and
-- as-of date; marts.call_sheet for action_list), and drill_down_sql the
-- query that lists the customers behind the count.
-- Incremental like customer_segment_history (each run replaces its dates).

{{ as_of_date_incremental_config(on_schema_change='fail') }}

{%- set history = ref('customer_segment_history') %}
{%- set sheet = ref('call_sheet') %}
{%- set history_name = history.schema ~ '.' ~ history.identifier %}
{%- set sheet_name = sheet.schema ~ '.' ~ sheet.identifier %}
{%- set dimensions = ['lifecycle_stage', 'rfm_segment', 'value_class', 'profit_tier', 'warning_band'] %}
{%- set text = dbt.type_string() %}

with history as (

    select * from {{ history }}

),

call_sheet as (

    select * from {{ sheet }}

),

customer_value as (

    select * from {{ ref('int_customer_value_summarised') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

customers as (

    select
        history.*,
        customer_value.margin_amount
    from history
    inner join as_of_dates
        on history.as_of_date = as_of_dates.as_of_date
        and as_of_dates.is_reported_date
    left join customer_value
        on history.customer_id = customer_value.customer_id
        and history.as_of_date = customer_value.as_of_date

),

unpivoted as (

    {%- for dimension in dimensions %}
    select
        as_of_date,
        '{{ dimension }}' as dimension,
        cast({{ dimension }} as {{ text }}) as dimension_value,
        customer_id,
        monetary as revenue_amount,
        margin_amount,
        '{{ history_name }}' as drill_down_table
    from customers
    union all
    {%- endfor %}
    select
        call_sheet.as_of_date,
        'action_list' as dimension,
        call_sheet.action_list as dimension_value,
        call_sheet.customer_id,
        customers.monetary as revenue_amount,
        customers.margin_amount,
        '{{ sheet_name }}' as drill_down_table
    from call_sheet
    inner join customers
        on call_sheet.customer_id = customers.customer_id
        and call_sheet.as_of_date = customers.as_of_date

),

counted as (

    select
        as_of_date,
        dimension,
        coalesce(dimension_value, '(none)') as dimension_value,
        dimension_value is null as is_value_missing,
        drill_down_table,
        count(*) as count_customers,
        sum(revenue_amount) as revenue_amount,
        sum(margin_amount) as margin_amount
    from unpivoted
    group by as_of_date, dimension, coalesce(dimension_value, '(none)'), dimension_value is null, drill_down_table

),

shared as (

    select
        *,
        cast(count_customers as double) / sum(count_customers) over (partition by as_of_date, dimension)
            as share_customers
    from counted

),

final as (

    select
        as_of_date,
        dimension,
        dimension_value,
        cast(count_customers as {{ dbt.type_bigint() }}) as count_customers,
        share_customers,
        cast(coalesce(revenue_amount, 0) as decimal(18, 2)) as revenue_amount,
        cast(coalesce(margin_amount, 0) as decimal(18, 2)) as margin_amount,
        drill_down_table,
        {{ dbt.concat([
            "'select * from '", "drill_down_table", "' where as_of_date = date '''",
            "cast(as_of_date as " ~ text ~ ")", "''' and '", "dimension",
            "case when is_value_missing then ' is null' else " ~ dbt.concat(["' = '''", "dimension_value", "''''"]) ~ " end"
        ]) }} as drill_down_sql
    from shared

)

select * from final
