{#- The median of a numeric expression (an aggregate). -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'retention')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}


{#-
    Spark: dbt-spark's listagg drops the order (collect_list keeps none).
    This one honours an `order by <expression> [asc|desc]` clause: it
    collects (key, value) pairs, sorts them by key and joins the values, so
    the text is the same as DuckDB's string_agg(... order by ...).
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set ordering = modules.re.fullmatch('\\s*order\\s+by\\s+(.+?)(\\s+(asc|desc))?\\s*', order_by_clause or '',
                                            modules.re.IGNORECASE) -%}
    {%- if order_by_clause and (ordering is none or ',' in ordering.group(1)) -%}
        {{ exceptions.raise_compiler_error("listagg on Spark orders by one expression: '" ~ order_by_clause ~ "'") }}
    {%- endif -%}
    {%- if ordering -%}
        {%- set collected -%}
            transform(array_sort(collect_list(named_struct('key', {{ ordering.group(1) }}, 'value', {{ measure }}))),
                      pair -> pair.value)
        {%- endset -%}
        {%- if (ordering.group(3) or '') | lower == 'desc' -%}{%- set collected = 'reverse(' ~ collected ~ ')' -%}{%- endif -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}{%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}{%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
