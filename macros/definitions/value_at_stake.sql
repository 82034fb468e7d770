{#-
    What the business stands to lose or win with a customer, the figure the
    daily call sheet ranks by (models/marts/call_sheet/call_sheet.sql). One definition
    per figure:

    margin_per_active_day(value, life_days, prior_per_day)
        The customer's margin (customer_value.margin_amount: margin where a
        cost is known, else revenue) per day of their active life (first to
        last purchase plus their usual interval: first_life_days in
        second_lifetime_value.sql), shrunk toward the typical customer of
        their value class:
            (value + prior_per_day x k) / (life_days + k),  k = var value_shrinkage_days
        A short life carries little evidence, so a customer seen for 40 days
        is pulled most of the way to their class's median, and a customer
        seen for three years keeps their own figure. This is what stops a
        short first life from being annualised into a large value.

    expected_future_margin(per_day)
        margin_per_active_day x var value_at_stake_horizon_days: the margin
        the customer brings over the horizon if they stay at their own rate.
        A run-rate on margin in SQL, not the BTYD CLV of orchestration/clv:
        the call sheet must be complete after a plain `dbt build`, while the
        CLV fit runs after it and may fail (marts.customer_clv has the
        model-based figure for analysis).

    loss_risk(ratio, has_trend)
        How likely the customer is to be lost if nobody acts (0 to 1): a ramp
        over their expected_interval_ratio from var repurchase_due_ratio (0)
        to var probably_gone_ratio (1), and at least var trend_signal_risk
        when an evidence-based trend (rhythm slowing, spend falling) fired.

    winback_response_likelihood(days_since_lost)
        How likely a lost customer is to respond to a win-back (0 to 1):
        halves every var winback_response_half_life_days since they were lost
        (1 for a nearly lost customer, not past the window yet). From recency,
        not from P(alive): P(alive) says whether a customer still buys on
        their own, which for a lost customer is near zero by construction;
        recency since the loss is what tells a fresh loss, who still
        remembers the shop, from an old one.

    value_at_stake(action_list, future margin, loss risk, SLTV, retainability, response)
        What the call sheet ranks by:
        the win-back list    second_lifetime_value x retainability
                             x winback_response_likelihood
                             (is_winback_list, macros/definitions/action_lists.sql)
        the other lists      expected_future_margin x loss_risk
-#}

{% macro margin_per_active_day(value_expr, life_days_expr, prior_per_day_expr) -%}
    {%- set k = var('value_shrinkage_days') | float -%}
    {%- if k < 0 -%}
        {{ exceptions.raise_compiler_error("var value_shrinkage_days must be >= 0, got '" ~ var('value_shrinkage_days') ~ "'") }}
    {%- endif -%}
    ((cast({{ value_expr }} as double) + coalesce(cast({{ prior_per_day_expr }} as double), 0) * {{ k }})
        / (cast({{ life_days_expr }} as double) + {{ k }}))
{%- endmacro %}

{% macro expected_future_margin(per_day_expr) -%}
    {%- set horizon = var('value_at_stake_horizon_days') | float -%}
    {%- if horizon <= 0 -%}
        {{ exceptions.raise_compiler_error("var value_at_stake_horizon_days must be > 0, got '" ~ var('value_at_stake_horizon_days') ~ "'") }}
    {%- endif -%}
    ({{ per_day_expr }} * {{ horizon }})
{%- endmacro %}

{% macro loss_risk(ratio_expr, has_trend_expr) -%}
    {%- set due = var('repurchase_due_ratio') | float -%}
    {%- set gone = var('probably_gone_ratio') | float -%}
    {%- set trend = var('trend_signal_risk') | float -%}
    {%- if not (0 <= trend <= 1) -%}
        {{ exceptions.raise_compiler_error("var trend_signal_risk must be between 0 and 1, got '" ~ var('trend_signal_risk') ~ "'") }}
    {%- endif -%}
    greatest(
        least(1.0, greatest(0.0, (coalesce({{ ratio_expr }}, 0) - {{ due }}) / {{ gone - due }})),
        case when {{ has_trend_expr }} then {{ trend }} else 0.0 end
    )
{%- endmacro %}

{% macro winback_response_likelihood(days_since_lost_expr) -%}
    {%- set half_life = var('winback_response_half_life_days') | float -%}
    {%- if half_life <= 0 -%}
        {{ exceptions.raise_compiler_error("var winback_response_half_life_days must be > 0, got '" ~ var('winback_response_half_life_days') ~ "'") }}
    {%- endif -%}
    power(0.5, greatest(0, coalesce(cast({{ days_since_lost_expr }} as double), 0)) / {{ half_life }})
{%- endmacro %}

{% macro value_at_stake(
    action_list_expr,
    expected_future_margin_expr,
    loss_risk_expr,
    second_lifetime_value_expr,
    retainability_expr,
    response_likelihood_expr
) -%}
    case
        when {{ is_winback_list(action_list_expr) }}
            then {{ second_lifetime_value_expr }} * {{ retainability_expr }} * {{ response_likelihood_expr }}
        else {{ expected_future_margin_expr }} * {{ loss_risk_expr }}
    end
{%- endmacro %}
