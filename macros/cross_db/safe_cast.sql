{#-
    dbt.safe_cast should return null where the cast fails. dbt-duckdb falls
    back to dbt's plain cast, which raises; dbt's dispatch finds this
    root-project implementation first.
-#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
