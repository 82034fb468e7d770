{#-
    Date and timestamp helpers that differ between warehouses. Everything
    else uses dbt's cross-database macros (dbt.datediff, dbt.dateadd, ...).
-#}

{#-
    Text -> local timestamp in the business time zone (var business_timezone).
    Text with a UTC offset (Z, +02:00, -0500) is converted to the business time
    zone; text without one is taken as local time already. ISO 8601 first, then
    each strptime format of var('timestamp_formats'). Unparseable text -> null.
-#}
{% macro parse_local_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('parse_local_timestamp', 'retention')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__parse_local_timestamp(text_expr) -%}
    case
        when regexp_matches({{ text_expr }}, '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$')
            then timezone('{{ var("business_timezone") }}', try_cast({{ text_expr }} as timestamptz))
        else coalesce(
            try_cast({{ text_expr }} as timestamp),
            try_strptime({{ text_expr }}, [
                {%- for fmt in var('timestamp_formats') -%}'{{ fmt }}'{{ ', ' if not loop.last }}{%- endfor -%}
            ])
        )
    end
{%- endmacro %}


{#- date_expr + days_expr whole days, as a date. -#}
{% macro add_days(date_expr, days_expr) -%}
    cast({{ dbt.dateadd('day', days_expr, date_expr) }} as date)
{%- endmacro %}


{#- A date literal from text such as '2026-06-30'. -#}
{% macro date_literal(text) -%}
    cast('{{ text }}' as date)
{%- endmacro %}
