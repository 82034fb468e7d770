{#-
    The number of days without a purchase after which a customer is lost.

    The business window comes from seeds/business_presets.csv (var
    business_type) or the explicit var lost_window_days. When var
    lost_interval_multiple (k) is set, a customer with a rhythm is lost
    after more than k x their mean recent interval if that comes sooner:
    the rhythm rule only ever shortens the window.

    A customer is lost when days since the last purchase > this window
    (exactly at the window they are not lost yet).
-#}
{% macro lost_window_days(business_window_expr, mean_interval_expr) -%}
    {%- set k = var('lost_interval_multiple') -%}
    {%- if k is none or (k | string | trim) == '' -%}
        {{ business_window_expr }}
    {%- else -%}
        case
            when {{ mean_interval_expr }} is null then {{ business_window_expr }}
            else least({{ business_window_expr }}, {{ k }} * {{ mean_interval_expr }})
        end
    {%- endif -%}
{%- endmacro %}


{#- The first day on which days since the last purchase exceeded the window. -#}
{% macro lost_since_date(last_purchase_date_expr, window_expr) -%}
    {{ add_days(last_purchase_date_expr, 'cast(floor(' ~ window_expr ~ ') as ' ~ dbt.type_int() ~ ') + 1') }}
{%- endmacro %}
