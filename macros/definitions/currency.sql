{#-
    Exchange rates of var currency_rates ({code: rate}, where amount x rate is
    the amount in the reporting currency) as a relation (currency,
    rate_to_reporting_currency); an empty relation when no rates are given.
-#}
{% macro exchange_rate_type() -%}
    decimal(18, 8)
{%- endmacro %}

{% macro currency_rates_relation(rates) -%}
    {%- if rates is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var currency_rates must map currency codes to rates, e.g. {USD: 0.92, GBP: 1.17}; got: " ~ rates
        ) }}
    {%- endif -%}
    {%- for code, rate in rates.items() %}
    select
        '{{ code | trim | upper }}' as currency,
        cast({{ rate | float }} as {{ exchange_rate_type() }}) as rate_to_reporting_currency
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ exchange_rate_type() }}) as rate_to_reporting_currency
    where 1 = 0
    {%- endfor %}
{%- endmacro %}
