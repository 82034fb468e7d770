{#-
    The rows of the staging model stg_raw__transactions (its documentation is
    there), as a macro so that an incremental load of int_transactions_validated
    can read only the files it has not loaded yet (`files`, a list of the
    glob's files) with exactly the staging model's columns and parsing.
    files=none reads every file: the staging model itself.
-#}
{% macro transactions_staged(files=none) -%}
    {%- set raw_file = source('raw', 'transactions') %}
    {%- set decimal_separator = source_decimal_separator(raw_file) %}

    with raw_text as (

        {{ raw_source_rows(
            raw_file,
            required_transaction_columns() + optional_transaction_columns(),
            var('transactions_columns'),
            files
        ) }}

    ),

    typed as (

        select
            source_file,
            source_row_number,
            customer_id_raw,
            order_id_raw,
            line_id_raw,
            ordered_at_raw,
            amount_raw,
            quantity_raw,
            product_id_raw,
            currency_raw,
            cost_raw,
            {{ normalize_customer_id("nullif(customer_id_raw, '')") }} as customer_id,
            nullif(order_id_raw, '') as order_id,
            nullif(line_id_raw, '') as line_id,
            {{ parse_local_timestamp('ordered_at_raw') }} as ordered_at,
            {{ parse_decimal('amount_raw', decimal_separator) }} as amount,
            {{ parse_decimal('quantity_raw', decimal_separator) }} as quantity,
            nullif(product_id_raw, '') as product_id,
            upper(nullif(currency_raw, '')) as currency,
            {{ parse_decimal('cost_raw', decimal_separator) }} as cost
        from raw_text

    )

    select * from typed
{%- endmacro %}
