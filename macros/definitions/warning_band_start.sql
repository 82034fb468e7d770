{#-
    Days from the last purchase to the first day of a warning band (see
    warning_band.sql): the band starts when days since the last purchase /
    the usual interval reaches the band's lower ratio, so on day
    ceil(ratio x interval) (a hair below, so that 0.8 x 60 = 48.000...01
    still starts on day 48). not_due starts on the purchase day itself.
    Between purchases a customer's interval does not change, so this is the
    day they entered the band they are in, which is what the contact cadence
    of the call sheet counts from.
-#}
{% macro warning_band_start_days(band_expr, interval_expr) -%}
    cast(ceil(
        case {{ band_expr }}
            when 'repurchase_due' then {{ var('repurchase_due_ratio') }}
            when 'churn_risk' then {{ var('churn_risk_ratio') }}
            when 'probably_gone' then {{ var('probably_gone_ratio') }}
            else 0
        end * {{ interval_expr }} - 1e-9
    ) as {{ dbt.type_int() }})
{%- endmacro %}
