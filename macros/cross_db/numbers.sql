{#-
    Number helpers that differ between warehouses.
-#}

{#-
    Text -> number (dbt.type_numeric()), null where the text does not parse.
    decimal_separator is the text's convention (default: var
    transactions_decimal_separator):
    '.'  10.50 -> 10.50 (a plain cast: thousands separators are not read);
    ','  10,50 -> 10.50, 1.234,50 -> 1234.50, 1.234 -> 1234: points grouping
         thousands are dropped, then the comma is the decimal point. Text in
         any other shape (10.50, 1,234.50) is null, never misread.
-#}
{% macro parse_decimal(text_expr, decimal_separator=none) -%}
    {%- set separator = (var('transactions_decimal_separator') if decimal_separator is none else decimal_separator) | string -%}
    {%- if separator not in ['.', ','] -%}
        {{ exceptions.raise_compiler_error(
            "transactions_decimal_separator is '" ~ separator ~ "': set it to \".\" (10.50) or \",\" (10,50)."
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('parse_decimal', 'retention')(text_expr, separator)) }}
{%- endmacro %}

{% macro default__parse_decimal(text_expr, decimal_separator) -%}
    {%- if decimal_separator == '.' -%}
        {{ dbt.safe_cast(text_expr, dbt.type_numeric()) }}
    {%- else -%}
        case
            when {{ text_matches(text_expr, decimal_comma_number_pattern()) }}
                then {{ dbt.safe_cast(dbt.replace(dbt.replace(text_expr, "'.'", "''"), "','", "'.'"), dbt.type_numeric()) }}
        end
    {%- endif -%}
{%- endmacro %}


{#-
    A number written with a decimal comma: optional sign, digits (or groups
    of three separated by points), optional comma and decimals. A regular
    expression for text_matches, without backslashes (Spark reads them as
    string escapes).
-#}
{% macro decimal_comma_number_pattern() -%}
    {{ return('[+-]?([0-9]{1,3}([.][0-9]{3})+|[0-9]*)(,[0-9]+)?') }}
{%- endmacro %}


{#- Whether the whole text matches the regular expression `pattern` (a boolean). -#}
{% macro text_matches(text_expr, pattern) -%}
    {{ return(adapter.dispatch('text_matches', 'retention')(text_expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__text_matches(text_expr, pattern) -%}
    regexp_full_match({{ text_expr }}, '{{ pattern }}')
{%- endmacro %}

{#- Spark, Databricks, MySQL: rlike finds the pattern anywhere, so it is anchored. -#}
{% macro default__text_matches(text_expr, pattern) -%}
    ({{ text_expr }} rlike '^({{ pattern }})$')
{%- endmacro %}
