{#-
    A customer's value: the figures marts.customer_value, the cohort
    triangle, the retention KPIs and the action outcomes all sum up, defined
    once.
-#}


{#- Margin: net revenue minus cost of goods minus cost to serve; a cost not
    known counts 0 (as in marts.customer_value). -#}
{% macro margin_amount(net_amount_expr, cost_of_goods_amount_expr, cost_to_serve_amount_expr) -%}
    ({{ net_amount_expr }} - coalesce({{ cost_of_goods_amount_expr }}, 0) - coalesce({{ cost_to_serve_amount_expr }}, 0))
{%- endmacro %}


{#- A customer's business as one list of dated amounts: each customer-day
    (int_customer_days_aggregated: net, gross sales, returns, cost of goods,
    whether it is a purchase occasion) and each service cost
    (stg_raw__service_costs), one row each, with customer_id, value_date,
    net_amount, gross_sales_amount, returned_amount, cost_of_goods_amount,
    cost_to_serve_amount and is_purchase_occasion. Revenue and margin over
    any span of days are sums over it (margin_amount above). -#}
{% macro customer_value_lines(customer_days_relation, service_costs_relation) -%}
    select
        customer_id,
        activity_date as value_date,
        net_amount,
        gross_sales_amount,
        returned_amount,
        cost_amount as cost_of_goods_amount,
        cast(null as {{ dbt.type_numeric() }}) as cost_to_serve_amount,
        {{ is_purchase_occasion('net_amount') }} as is_purchase_occasion
    from {{ customer_days_relation }}

    union all

    select
        customer_id,
        incurred_on as value_date,
        0 as net_amount,
        0 as gross_sales_amount,
        0 as returned_amount,
        cast(null as {{ dbt.type_numeric() }}) as cost_of_goods_amount,
        cost_to_serve_amount,
        false as is_purchase_occasion
    from {{ service_costs_relation }}
{%- endmacro %}
