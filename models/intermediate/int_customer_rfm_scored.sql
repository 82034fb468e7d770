-- One row per customer with at least one purchase occasion and as-of date of
-- the run: recency, frequency and monetary value, their 1-5 scores (ranked
-- within the same as-of date), the named RFM segment (seeds/rfm_segments.csv)
-- and the eight-class value class (seeds/value_classes.csv) against the
-- same day's customer base.
-- Monetary follows var rfm_monetary_basis:
--   margin (default)  the customer's margin up to the as-of date
--                     (int_customer_value_summarised.margin_amount: revenue
--                     minus cost of goods and cost to serve) where any cost
--                     of the customer is known (value_basis = 'margin'), else
--                     their net revenue;
--   revenue           net revenue (net spend, returns subtract) for everyone.
-- monetary_basis says which one each row got, so the M score and the value
-- classes compare margin with margin where costs are known. The margin
-- exists for the reported as-of dates only (int_customer_value_summarised);
-- the extra day before them, computed only so that alerts can tell what is
-- new, falls back to revenue (monetary_basis 'revenue') and is never reported.

{%- set baseline = var('value_class_baseline') %}
{%- if baseline not in ['mean', 'median'] %}
    {{ exceptions.raise_compiler_error("var value_class_baseline must be 'mean' or 'median', got '" ~ baseline ~ "'") }}
{%- endif %}
{%- set monetary_basis = var('rfm_monetary_basis') %}
{%- if monetary_basis not in ['margin', 'revenue'] %}
    {{ exceptions.raise_compiler_error("var rfm_monetary_basis must be 'margin' or 'revenue', got '" ~ monetary_basis ~ "'") }}
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

customer_value as (

    select * from {{ ref('int_customer_value_summarised') }}

),

purchasers as (

    select
        rhythm.customer_id,
        rhythm.as_of_date,
        rhythm.recency_days,
        rhythm.frequency,
        {%- if monetary_basis == 'margin' %}
        case
            when customer_value.value_basis = 'margin' then customer_value.margin_amount
            else rhythm.monetary
        end as monetary,
        case when customer_value.value_basis = 'margin' then 'margin' else 'revenue' end as monetary_basis
        {%- else %}
        rhythm.monetary,
        'revenue' as monetary_basis
        {%- endif %}
    from rhythm
    left join customer_value
        on rhythm.customer_id = customer_value.customer_id
        and rhythm.as_of_date = customer_value.as_of_date
    where rhythm.frequency > 0

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
    -- occasions, more monetary value (margin or net spend, see above)
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
        levelled.monetary_basis,
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
