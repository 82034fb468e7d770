{#-
    The customer id as stored: trimmed text (done by raw_text_columns), in the
    case of var customer_id_case: 'upper' (default) or 'lower' make "c001" and
    "C001" one customer; 'preserve' keeps case-sensitive ids apart.
-#}
{% macro normalize_customer_id(expression) -%}
    {%- set case = var('customer_id_case') | lower -%}
    {%- if case == 'upper' -%}
        upper({{ expression }})
    {%- elif case == 'lower' -%}
        lower({{ expression }})
    {%- elif case == 'preserve' -%}
        {{ expression }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var customer_id_case is '" ~ case ~ "': use upper, lower or preserve."
        ) }}
    {%- endif -%}
{%- endmacro %}
