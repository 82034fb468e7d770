{#-
    The definitions behind marts.retention_kpis and marts.cohort_retention,
    one macro each. A retention window is the var retention_window_days days
    ending on the as-of date D: it starts on S = D - retention_window_days
    (the day whose state is "the start") and covers (S, D].
-#}


{#- An active customer has bought and is not lost: their lifecycle stage
    is_active in seeds/lifecycle_stages.csv. is_active_expr is that column
    of the stage's row (joined on lifecycle_stage), null when there is none. -#}
{% macro is_active_customer(is_active_expr) -%}
    coalesce({{ is_active_expr }}, false)
{%- endmacro %}


{#- A customer active at the window's start was lost in the window when they
    are lost at its end, or came back within it from a lost spell (their
    latest reactivation falls in the window: being active at the start, the
    spell began in it). -#}
{% macro is_lost_in_window(is_lost_expr, last_reactivated_date_expr, window_start_expr) -%}
    (coalesce({{ is_lost_expr }}, false) or coalesce({{ last_reactivated_date_expr }} > {{ window_start_expr }}, false))
{%- endmacro %}


{#- A customer active at the window's start repurchased in the window when
    their last purchase occasion is after the start (any occasion of theirs
    after it is a repeat: they had bought before). -#}
{% macro has_repurchased_in_window(last_purchase_date_expr, window_start_expr) -%}
    coalesce({{ last_purchase_date_expr }} > {{ window_start_expr }}, false)
{%- endmacro %}


{#- numerator / denominator as a floating-point share; null when the
    denominator is zero or null (no customers to divide by). -#}
{% macro share_of(numerator_expr, denominator_expr) -%}
    case
        when {{ denominator_expr }} > 0
            then cast({{ numerator_expr }} as double) / {{ denominator_expr }}
    end
{%- endmacro %}


{#- Churn rate over the window: customers lost in it / customers active at its start. -#}
{% macro churn_rate(count_lost_in_window_expr, count_active_at_window_start_expr) -%}
    {{ share_of(count_lost_in_window_expr, count_active_at_window_start_expr) }}
{%- endmacro %}


{#- Repurchase rate over the window: customers active at its start who
    bought again in it / customers active at its start. -#}
{% macro repurchase_rate(count_repurchased_in_window_expr, count_active_at_window_start_expr) -%}
    {{ share_of(count_repurchased_in_window_expr, count_active_at_window_start_expr) }}
{%- endmacro %}


{#- var retention_window_days as a whole number >= 1, or a compile error. -#}
{% macro retention_window_days() -%}
    {%- set days = var('retention_window_days') | string | trim -%}
    {%- if not days.isdigit() or (days | int) < 1 -%}
        {{ exceptions.raise_compiler_error("var retention_window_days must be a whole number of days >= 1, got '" ~ var('retention_window_days') ~ "'") }}
    {%- endif -%}
    {{ return(days | int) }}
{%- endmacro %}


{#- The rows of a relation once per customer group it counts in: group_type
    'all' (group_value 'all') for every row, then value_class, profit_tier
    and rfm_segment (group_value the row's value of that column) where that
    column is not null. The relation has those three columns. -#}
{% macro in_customer_groups(relation) -%}
    {%- for group_type in ['all', 'value_class', 'profit_tier', 'rfm_segment'] %}
    {{ 'union all' if not loop.first }}
    select
        *,
        '{{ group_type }}' as group_type,
        {{ "'all'" if group_type == 'all' else group_type }} as group_value
    from {{ relation }}
    {%- if group_type != 'all' %}
    where {{ group_type }} is not null
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
