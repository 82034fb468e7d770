{#-
    Churn signals: the evidence that puts a customer in lifecycle stage
    alert (models/intermediate/int_customer_lifecycle_staged.sql). Every
    signal compares the customer with their own history, and none counts
    while the customer is still within their usual interval:

      usual_interval_days       the shorter of their median gap (lifetime)
                                and their expected interval (the mean of the
                                recent gaps; for one-purchase customers the
                                business's expected repurchase interval, the
                                rhythm the domain gives them). The median, not
                                the mean: one very long or very short gap
                                barely moves it. The recent mean, which is
                                what slows, can only shorten it: a customer
                                who sped up and is now overdue against their
                                new pace is not excused by their old one.
      is_within_usual_interval  days since the last purchase <= that.
      is_overdue                warning band at or past var
                                churn_risk_ratio (1.2) x the expected
                                interval, so never within the usual interval:
                                the overdue trigger is unchanged
                                (macros/definitions/action_lists.sql, with the
                                bands). One-purchase customers are overdue
                                against the business's interval, as their
                                warning band always was.
      is_rhythm_slowing         at least var alert_slowing_min_intervals of
                                the last var recent_interval_count gaps are
                                each longer than var
                                alert_interval_slowdown_factor x the mean of
                                the gaps before them, with at least var
                                alert_trend_min_occasions occasions.
      is_spend_falling          at least var alert_spend_drop_min_occasions
                                of the last var recent_interval_count
                                occasions are each below var
                                alert_spend_drop_share x the mean net amount
                                of the occasions before them, with at least
                                var alert_trend_min_occasions occasions.

    alert = not within the usual interval and (overdue, or rhythm slowing,
    or spend falling): has_churn_evidence.

    The per-gap and per-occasion tests (is_slower_interval,
    is_smaller_occasion) are counted where the gaps are, in
    int_purchase_occasions_numbered (count_recent_slow_intervals,
    count_recent_small_occasions).
-#}

{#- One gap is slower than the earlier rhythm (mean of the earlier gaps). -#}
{% macro is_slower_interval(interval_expr, earlier_mean_interval_expr) -%}
    {{ interval_expr }} > {{ var('alert_interval_slowdown_factor') }} * {{ earlier_mean_interval_expr }}
{%- endmacro %}


{#- One occasion's net amount is smaller than the earlier spend per occasion. -#}
{% macro is_smaller_occasion(amount_expr, earlier_mean_amount_expr) -%}
    {{ amount_expr }} < {{ var('alert_spend_drop_share') }} * {{ earlier_mean_amount_expr }}
{%- endmacro %}


{#- The customer's usual interval: the shorter of their median gap and their expected interval. -#}
{% macro usual_interval_days(median_interval_expr, expected_interval_expr) -%}
    least(coalesce({{ median_interval_expr }}, {{ expected_interval_expr }}), {{ expected_interval_expr }})
{%- endmacro %}


{#- The customer has bought within their usual interval: no signal counts. -#}
{% macro is_within_usual_interval(recency_days_expr, usual_interval_expr) -%}
    coalesce({{ recency_days_expr }} <= {{ usual_interval_expr }}, false)
{%- endmacro %}


{#- Several recent gaps, not one, are slower than the earlier rhythm. -#}
{% macro is_rhythm_slowing(count_slow_intervals_expr, frequency_expr) -%}
    {%- set needed = var('alert_slowing_min_intervals') -%}
    {{ _check_recent_count('alert_slowing_min_intervals', needed) }}
    coalesce(
        {{ frequency_expr }} >= {{ var('alert_trend_min_occasions') }}
        and {{ count_slow_intervals_expr }} >= {{ needed }},
        false
    )
{%- endmacro %}


{#- Several recent occasions, not one, are smaller than the earlier spend per occasion. -#}
{% macro is_spend_falling(count_small_occasions_expr, frequency_expr) -%}
    {%- set needed = var('alert_spend_drop_min_occasions') -%}
    {{ _check_recent_count('alert_spend_drop_min_occasions', needed) }}
    coalesce(
        {{ frequency_expr }} >= {{ var('alert_trend_min_occasions') }}
        and {{ count_small_occasions_expr }} >= {{ needed }},
        false
    )
{%- endmacro %}


{#- Lifecycle stage alert: a signal, and past the usual interval. -#}
{% macro has_churn_evidence(within_usual_interval_expr, overdue_expr, rhythm_slowing_expr, spend_falling_expr) -%}
    (not {{ within_usual_interval_expr }}
        and ({{ overdue_expr }} or {{ rhythm_slowing_expr }} or {{ spend_falling_expr }}))
{%- endmacro %}


{#- A count of recent gaps or occasions can be met only within the recent window. -#}
{% macro _check_recent_count(name, value) -%}
    {%- set window = var('recent_interval_count') -%}
    {%- if value is not number or value | int != value or not (1 <= value <= window) -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be a whole number from 1 to recent_interval_count (" ~ window ~ "), got " ~ value
        ) }}
    {%- endif -%}
{%- endmacro %}
