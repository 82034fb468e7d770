{#-
    Whether a customer-day is a purchase occasion: its net amount (sales minus
    returns that day) is above var occasion_min_net_amount (default 0), or
    exactly zero when var zero_amount_day_is_occasion is true.
-#}
{% macro is_purchase_occasion(net_amount_expr) -%}
    ({{ net_amount_expr }} > {{ var('occasion_min_net_amount') }}
    {%- if var('zero_amount_day_is_occasion') %} or {{ net_amount_expr }} = 0{% endif %})
{%- endmacro %}
