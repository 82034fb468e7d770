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


{#-
    A stable bucket 0 .. buckets-1 of a text: the first 32 bits of its MD5
    as a number, modulo buckets. The same on every engine and in Python
    (int(hashlib.md5(text.encode()).hexdigest()[:8], 16) % buckets), so an
    assignment made with it (the control group) can be reproduced anywhere.
    Engines differ only in turning hex into a number.
-#}
{% macro hash_bucket(text_expr, buckets) -%}
    {{ return(adapter.dispatch('hash_bucket', 'retention')(text_expr, buckets)) }}
{%- endmacro %}

{#- DuckDB casts '0x...' text to an integer -#}
{% macro duckdb__hash_bucket(text_expr, buckets) -%}
    (cast(('0x' || substr({{ dbt.hash(text_expr) }}, 1, 8)) as bigint) % {{ buckets }})
{%- endmacro %}

{#- Spark converts hex with conv() -#}
{% macro spark__hash_bucket(text_expr, buckets) -%}
    (cast(conv(substr({{ dbt.hash(text_expr) }}, 1, 8), 16, 10) as bigint) % {{ buckets }})
{%- endmacro %}
