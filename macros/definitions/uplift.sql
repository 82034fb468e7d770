{#-
    The uplift of an action: what contacting adds to the share of customers
    who buy again, judged against the control group (var holdout_share).
    Treated and held-out customers are drawn from the same population by a
    stable hash, so the difference of their repurchase rates estimates the
    action's effect. Its interval is Agresti and Caffo's (2000): add one
    success and one failure to each group, then the usual standard error of
    a difference of two shares. Unlike the plain (Wald) interval it does not
    collapse to a point when a group is all or nothing (1 of 1 against 0 of
    1 is not a certain effect), and it holds its coverage at small counts.
-#}


{#- The difference of the adjusted shares, (x1 + 1) / (n1 + 2) - (x0 + 1) / (n0 + 2):
    the interval's centre; null unless both groups have someone. -#}
{% macro uplift_interval_centre(x1_expr, n1_expr, x0_expr, n0_expr) -%}
    case
        when {{ n1_expr }} > 0 and {{ n0_expr }} > 0 then
            cast({{ x1_expr }} + 1 as double) / ({{ n1_expr }} + 2)
            - cast({{ x0_expr }} + 1 as double) / ({{ n0_expr }} + 2)
    end
{%- endmacro %}


{#- The adjusted standard error sqrt(q1 (1 - q1) / (n1 + 2) + q0 (1 - q0) / (n0 + 2))
    with q = (x + 1) / (n + 2); null unless both groups have someone. -#}
{% macro uplift_standard_error(x1_expr, n1_expr, x0_expr, n0_expr) -%}
    {%- set q1 = '(cast(' ~ x1_expr ~ ' + 1 as double) / (' ~ n1_expr ~ ' + 2))' -%}
    {%- set q0 = '(cast(' ~ x0_expr ~ ' + 1 as double) / (' ~ n0_expr ~ ' + 2))' -%}
    case
        when {{ n1_expr }} > 0 and {{ n0_expr }} > 0 then sqrt(
            {{ q1 }} * (1 - {{ q1 }}) / ({{ n1_expr }} + 2)
            + {{ q0 }} * (1 - {{ q0 }}) / ({{ n0_expr }} + 2)
        )
    end
{%- endmacro %}


{#- var uplift_interval_z as a positive number, or a compile error. -#}
{% macro uplift_interval_z() -%}
    {%- set z = var('uplift_interval_z') | string | trim | float(-1) -%}
    {%- if z <= 0 -%}
        {{ exceptions.raise_compiler_error("var uplift_interval_z must be a positive number of standard errors (1.96 for 95 %), got '" ~ var('uplift_interval_z') ~ "'") }}
    {%- endif -%}
    {{ return(z) }}
{%- endmacro %}
