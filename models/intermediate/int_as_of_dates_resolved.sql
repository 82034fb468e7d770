-- One row per as-of date this run computes: the run's dates (vars
-- as_of_date_start / as_of_date_end, or as_of_date, or by default the latest
-- usable transaction date) plus the day before the first of them, which is
-- computed only so that alerts can say what is new since yesterday
-- (is_reported_date = false). is_latest_date marks the day the public
-- snapshot marts show.

{%- set range = as_of_date_range() %}

with validated as (

    select * from {{ ref('int_transactions_validated') }}

),

range_start as (

    {% if range.start is none -%}
    select max(ordered_date) as first_as_of_date
    from validated
    where reject_reason is null
    {%- else -%}
    select {{ range.start }} as first_as_of_date
    {%- endif %}

),

digits as (

    select 0 as digit union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

day_offsets as (

    -- -1 (the day before the range) up to count_days - 1
    select thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + units.digit - 1 as day_offset
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units
    where thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + units.digit <= {{ range.count_days }}

),

as_of_dates as (

    select
        {{ add_days('range_start.first_as_of_date', 'day_offsets.day_offset') }} as as_of_date,
        day_offsets.day_offset >= 0 as is_reported_date,
        day_offsets.day_offset = {{ range.count_days - 1 }} as is_latest_date
    from range_start
    cross join day_offsets
    where range_start.first_as_of_date is not null

)

select * from as_of_dates
