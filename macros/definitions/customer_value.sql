{#-
    A customer's value: the margin marts.customer_value, the cohort
    triangle, the retention KPIs and the action outcomes all sum up, defined
    once. The dated amounts they sum are the model
    int_customer_value_lines_unioned.
-#}


{#- Margin: net revenue minus cost of goods minus cost to serve; a cost not
    known counts 0 (as in marts.customer_value). -#}
{% macro margin_amount(net_amount_expr, cost_of_goods_amount_expr, cost_to_serve_amount_expr) -%}
    ({{ net_amount_expr }} - coalesce({{ cost_of_goods_amount_expr }}, 0) - coalesce({{ cost_to_serve_amount_expr }}, 0))
{%- endmacro %}
