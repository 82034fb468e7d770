-- One row per line of the optional cost-to-serve file (var service_costs_path):
-- customer_id, incurred_on, cost_to_serve (reporting currency), names mapped
-- with var service_costs_columns; numbers use the decimal separator of var
-- transactions_decimal_separator. Rename and cast only: the raw text is kept
-- beside the typed value, which is null where the text does not parse
-- (tests/dbt/assert_service_cost_rows_usable.sql fails on such rows). Customer
-- ids are normalised like the transactions' (var customer_id_case). With no
-- file this is an empty relation of the same shape: no cost to serve is known.

{%- set raw_file = source('raw', 'service_costs') %}
{%- set service_costs_path = raw_source_path(raw_file) %}

{% if service_costs_path != '' %}

with raw_text as (

    {{ raw_source_rows(raw_file, required_service_cost_columns(), var('service_costs_columns')) }}

),

typed as (

    select
        source_file,
        source_row_number,
        customer_id_raw,
        incurred_on_raw,
        cost_to_serve_raw,
        {{ normalize_customer_id("nullif(customer_id_raw, '')") }} as customer_id,
        cast({{ parse_local_timestamp('incurred_on_raw') }} as date) as incurred_on,
        {{ parse_decimal('cost_to_serve_raw', source_decimal_separator(raw_file)) }} as cost_to_serve_amount
    from raw_text

)

{{ source_columns_select('service_costs', 'typed') }}

{% else %}

{{ empty_source_relation('service_costs') }}

{% endif %}
