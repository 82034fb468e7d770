{#-
    dbt.safe_cast should return null where the cast fails. dbt-duckdb and
    dbt-spark fall back to dbt's plain cast, which raises (on Spark 4 under
    ANSI mode); dbt's dispatch finds these root-project implementations first.
-#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- Spark: try_cast, as DuckDB's (a plain cast raises under Spark 4's ANSI mode). -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
