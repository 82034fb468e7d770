{#-
    Second lifetime value (SLTV, seed article 003): what a lost customer would
    bring if won back, taken as what they brought per day in their first life,
    shrunk toward their value class (margin_per_active_day in
    value_at_stake.sql), over the next var sltv_horizon_years years.

      first life (days) = last purchase - first purchase + their usual interval
                          between purchases (the gap they would have left before
                          the next one), at least var sltv_min_active_days
      per day           = margin_per_active_day(first-life value, first life,
                          the value class's median per day)
      SLTV              = per day x 365 x sltv_horizon_years

    The first-life value is customer_value.margin_amount: margin where a cost
    is known, else revenue (value_basis). A negative first life gives a
    negative SLTV: winning that customer back would lose money. SQL only, so
    it never waits for the CLV fit (orchestration/clv runs after dbt).

    first_life_days(first, last, interval) gives the life;
    second_lifetime_value(per_day) the amount (double).
-#}
{% macro first_life_days(first_purchase_date_expr, last_purchase_date_expr, usual_interval_days_expr) -%}
    {%- set floor_days = var('sltv_min_active_days') | float -%}
    {%- if floor_days < 1 -%}
        {{ exceptions.raise_compiler_error("var sltv_min_active_days must be >= 1, got '" ~ var('sltv_min_active_days') ~ "'") }}
    {%- endif -%}
    greatest(
        cast({{ dbt.datediff(first_purchase_date_expr, last_purchase_date_expr, 'day') }} as double)
            + coalesce({{ usual_interval_days_expr }}, 0),
        {{ floor_days }}
    )
{%- endmacro %}

{% macro second_lifetime_value(per_day_expr) -%}
    {%- set horizon_years = var('sltv_horizon_years') | float -%}
    {%- if horizon_years <= 0 -%}
        {{ exceptions.raise_compiler_error("var sltv_horizon_years must be > 0, got '" ~ var('sltv_horizon_years') ~ "'") }}
    {%- endif -%}
    ({{ per_day_expr }} * 365 * {{ horizon_years }})
{%- endmacro %}
