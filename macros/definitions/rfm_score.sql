{#-
    RFM scores, 1 (worst) to 5 (best). Ties always share a score.

    quantile (default): score = 1 + floor(5 x share of customers that rank
    strictly below), capped at 5, computed over the customer base of the
    same as-of date (percent_rank). For recency, fewer days is better.

    breakpoints: four ascending edges from a var. Higher-is-better values
    score 1 up to the first edge (inclusive), 2 up to the second, ... and 5
    above the last; recency scores 5 up to the first edge, ... 1 above the last.
-#}

{% macro rfm_score(value_expr, higher_is_better, breakpoints_var) -%}
    {%- set method = var('rfm_scoring_method') -%}
    {%- if method == 'quantile' -%}
        {{ rfm_quantile_score(value_expr, higher_is_better) }}
    {%- elif method == 'breakpoints' -%}
        {{ rfm_breakpoint_score(value_expr, higher_is_better, var(breakpoints_var), breakpoints_var) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_scoring_method must be 'quantile' or 'breakpoints', got '" ~ method ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}


{% macro rfm_quantile_score(value_expr, higher_is_better) -%}
    cast(least(5, 1 + floor(5 * percent_rank() over (
        partition by as_of_date
        order by {{ value_expr }} {{ 'asc' if higher_is_better else 'desc' }}
    ))) as {{ dbt.type_int() }})
{%- endmacro %}


{% macro rfm_breakpoint_score(value_expr, higher_is_better, edges, var_name='breakpoints') -%}
    {%- if edges | length != 4 or (edges | sort | list) != (edges | list) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ var_name ~ " needs four ascending edges, got " ~ edges
        ) }}
    {%- endif -%}
    case
        {%- for edge in edges %}
        when {{ value_expr }} <= {{ edge }} then {{ loop.index if higher_is_better else 6 - loop.index }}
        {%- endfor %}
        else {{ 5 if higher_is_better else 1 }}
    end
{%- endmacro %}
