-- One row: the parameters every customer-level model of this run shares.
-- as_of_date is var as_of_date, or the latest usable transaction date;
-- the business windows come from seeds/business_presets.csv (var
-- business_type) unless overridden by vars. Zero rows when business_type
-- names no preset: a data test on this model stops the run then.

{%- set as_of_date = var('as_of_date') | string | trim %}
{%- set lost_window_override = var('lost_window_days') | string | trim %}
{%- set expected_repurchase_override = var('expected_repurchase_days') | string | trim %}

with validated as (

    select * from {{ ref('int_transactions_validated') }}

),

presets as (

    select * from {{ ref('business_presets') }}

),

latest_usable as (

    select max(ordered_date) as latest_usable_date
    from validated
    where reject_reason is null

),

resolved as (

    select
        {% if as_of_date != '' -%}
        {{ date_literal(as_of_date) }}
        {%- else -%}
        latest_usable.latest_usable_date
        {%- endif %} as as_of_date,
        presets.business_type,
        {{ lost_window_override if lost_window_override != '' else 'presets.lost_window_days' }} as business_lost_window_days,
        {{ expected_repurchase_override if expected_repurchase_override != '' else 'presets.expected_repurchase_days' }} as expected_repurchase_days
    from latest_usable
    inner join presets
        on presets.business_type = '{{ var("business_type") }}'

)

select * from resolved
