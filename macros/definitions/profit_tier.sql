{#-
    Profit tier of a buying customer, after Peppers & Rogers (not to be
    confused with the value class tier high / middle / low of
    seeds/value_classes.csv, which comes from the eight RFM value classes).
    First match wins:
      below_zero     margin < 0: the customer costs more than they bring
      most_valuable  margin > 0 and fewer than var most_valuable_top_share of
                     the customers have a strictly higher margin (ties share
                     a tier, so a tie at the boundary is in or out together)
      most_growable  growth with evidence behind it. Evidence: a previous-
                     period margin > 0 and at least var
                     most_growable_min_period_occasions purchase occasions in
                     EACH of the two periods (previous and recent). Growth:
                     recent-period margin > 0 and either at least var
                     most_growable_min_growth_ratio times the previous
                     period's, or purchase occasions up by that factor (repeat
                     rate rising). So a one-purchase customer, or a margin
                     "rising" from zero or below, is never most_growable: a
                     single good period is no trend.
      other
    Comparisons are exact (no division): count_above < share x count.
-#}
{% macro profit_tier(
    margin_expr,
    count_customers_above_expr,
    count_customers_expr,
    recent_margin_expr,
    previous_margin_expr,
    recent_occasions_expr,
    previous_occasions_expr
) -%}
    {%- set top_share = var('most_valuable_top_share') | float -%}
    {%- set growth = var('most_growable_min_growth_ratio') | float -%}
    {%- set min_occasions_raw = var('most_growable_min_period_occasions') -%}
    {%- set min_occasions = min_occasions_raw | int(-1) -%}
    {%- if not (0 < top_share <= 1) or growth < 1 -%}
        {{ exceptions.raise_compiler_error(
            "profit tier vars: most_valuable_top_share must be in (0, 1] and most_growable_min_growth_ratio >= 1, got "
            ~ top_share ~ ", " ~ growth
        ) }}
    {%- endif -%}
    {%- if min_occasions < 1 or (min_occasions_raw | string | trim) != (min_occasions | string) -%}
        {{ exceptions.raise_compiler_error(
            "var most_growable_min_period_occasions must be a whole number >= 1, got '" ~ min_occasions_raw ~ "'"
        ) }}
    {%- endif -%}
    case
        when {{ margin_expr }} < 0 then 'below_zero'
        when {{ margin_expr }} > 0
            and {{ count_customers_above_expr }} < {{ top_share }} * {{ count_customers_expr }} then 'most_valuable'
        when {{ previous_margin_expr }} > 0
            and {{ previous_occasions_expr }} >= {{ min_occasions }}
            and {{ recent_occasions_expr }} >= {{ min_occasions }}
            and {{ recent_margin_expr }} > 0
            and (
                {{ recent_margin_expr }} >= {{ growth }} * {{ previous_margin_expr }}
                or (
                    {{ recent_occasions_expr }} > {{ previous_occasions_expr }}
                    and {{ recent_occasions_expr }} >= {{ growth }} * {{ previous_occasions_expr }}
                )
            ) then 'most_growable'
        else 'other'
    end
{%- endmacro %}
