{#-
    Repurchase / churn warning band from a recency ratio (days since the last
    purchase / the usual interval between purchases). Bands are lower-bound
    inclusive:
      ratio < repurchase_due_ratio                 -> not_due
      repurchase_due_ratio <= ratio < churn_risk_ratio -> repurchase_due
      churn_risk_ratio <= ratio < probably_gone_ratio  -> churn_risk
      ratio >= probably_gone_ratio                 -> probably_gone
    null ratio (no purchase) -> null.
-#}
{% macro warning_band(ratio_expr) -%}
    {%- set due = var('repurchase_due_ratio') -%}
    {%- set risk = var('churn_risk_ratio') -%}
    {%- set gone = var('probably_gone_ratio') -%}
    {%- if not (due < risk < gone) -%}
        {{ exceptions.raise_compiler_error(
            "warning band vars must ascend: repurchase_due_ratio < churn_risk_ratio < probably_gone_ratio, got "
            ~ due ~ ", " ~ risk ~ ", " ~ gone
        ) }}
    {%- endif -%}
    case
        when {{ ratio_expr }} is null then null
        when {{ ratio_expr }} < {{ due }} then 'not_due'
        when {{ ratio_expr }} < {{ risk }} then 'repurchase_due'
        when {{ ratio_expr }} < {{ gone }} then 'churn_risk'
        else 'probably_gone'
    end
{%- endmacro %}
