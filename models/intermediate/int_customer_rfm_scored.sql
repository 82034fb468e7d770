-- One row per customer with at least one purchase occasion and as-of date of
-- the run: recency, frequency and monetary value, their 1-5 scores (ranked
-- within the same as-of date), the named RFM segment (seeds/rfm_segments.csv)
-- and the eight-class value class (seeds/value_classes.csv) against the
-- same day's customer base.

{%- set baseline = var('value_class_baseline') %}
{%- if baseline not in ['mean', 'median'] %}
    {{ exceptions.raise_compiler_error("var value_class_baseline must be 'mean' or 'median', got '" ~ baseline ~ "'") }}
{%- endif %}

with rhythm as (

    select * from {{ ref('int_customer_rhythm_summarised') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

value_classes as (

    select * from {{ ref('value_classes') }}

),

purchasers as (

    select
        customer_id,
        as_of_date,
        recency_days,
        frequency,
        monetary
    from rhythm
    where frequency > 0

),

scored as (

    select
        *,
        {{ rfm_score('recency_days', false, 'rfm_recency_breakpoints_days') }} as r_score,
        {{ rfm_score('frequency', true, 'rfm_frequency_breakpoints') }} as f_score,
        {{ rfm_score('monetary', true, 'rfm_monetary_breakpoints') }} as m_score
    from purchasers

),

coded as (

    select
        *,
        -- frequency and monetary combined, (f + m) / 2 rounded half up
        cast(floor((f_score + m_score + 1) / 2.0) as {{ dbt.type_int() }}) as fm_score,
        {{ dbt.concat([
            "cast(r_score as " ~ dbt.type_string() ~ ")",
            "cast(f_score as " ~ dbt.type_string() ~ ")",
            "cast(m_score as " ~ dbt.type_string() ~ ")",
        ]) }} as rfm_code
    from scored

),

baselines as (

    select
        as_of_date,
        {%- if baseline == 'mean' %}
        avg(recency_days) as baseline_recency_days,
        avg(frequency) as baseline_frequency,
        avg(monetary) as baseline_monetary
        {%- else %}
        {{ median('recency_days') }} as baseline_recency_days,
        {{ median('frequency') }} as baseline_frequency,
        {{ median('monetary') }} as baseline_monetary
        {%- endif %}
    from purchasers
    group by as_of_date

),

levelled as (

    -- high = better than the base's baseline (strictly): more recent, more
    -- occasions, more net spend
    select
        coded.*,
        case when coded.recency_days < baselines.baseline_recency_days then 'high' else 'low' end as r_level,
        case when coded.frequency > baselines.baseline_frequency then 'high' else 'low' end as f_level,
        case when coded.monetary > baselines.baseline_monetary then 'high' else 'low' end as m_level
    from coded
    inner join baselines
        on coded.as_of_date = baselines.as_of_date

),

joined as (

    select
        levelled.customer_id,
        levelled.as_of_date,
        levelled.recency_days,
        levelled.frequency,
        levelled.monetary,
        levelled.r_score,
        levelled.f_score,
        levelled.m_score,
        levelled.fm_score,
        levelled.rfm_code,
        segments.rfm_segment,
        levelled.r_level,
        levelled.f_level,
        levelled.m_level,
        value_classes.value_class
    from levelled
    left join segments
        on levelled.r_score between segments.r_score_min and segments.r_score_max
        and levelled.fm_score between segments.fm_score_min and segments.fm_score_max
    left join value_classes
        on levelled.r_level = value_classes.r_level
        and levelled.f_level = value_classes.f_level
        and levelled.m_level = value_classes.m_level

)

select * from joined
