-- One row: the business's windows. The preset of seeds/business_presets.csv
-- named by var business_type, unless vars lost_window_days /
-- expected_repurchase_days override single values. Zero rows when
-- business_type names no preset: tests/dbt/assert_business_type_is_a_preset.sql
-- stops the run then.

{%- set lost_window_override = var('lost_window_days') | string | trim %}
{%- set expected_repurchase_override = var('expected_repurchase_days') | string | trim %}

with presets as (

    select * from {{ ref('business_presets') }}

),

resolved as (

    select
        business_type,
        {{ lost_window_override if lost_window_override != '' else 'lost_window_days' }} as business_lost_window_days,
        {{ expected_repurchase_override if expected_repurchase_override != '' else 'expected_repurchase_days' }} as expected_repurchase_days
    from presets
    where business_type = '{{ var("business_type") }}'

)

select * from resolved
