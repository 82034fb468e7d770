{#-
    A 64-bit hash of several columns at once (nulls hash too), for finding
    candidate duplicate rows cheaply; equal rows always hash equal, and the
    caller compares the columns themselves, so a collision costs nothing but
    a comparison. DuckDB's hash() and Spark's xxhash64() take many columns;
    other engines hash the columns' text joined by a separator.
-#}
{% macro hash_columns(columns) -%}
    {{ return(adapter.dispatch('hash_columns', 'retention')(columns)) }}
{%- endmacro %}

{% macro duckdb__hash_columns(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__hash_columns(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro default__hash_columns(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '\\N')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
