-- One row per line of the raw transactions file(s) (var transactions_path),
-- nothing filtered: the raw text of every column is kept for diagnostics
-- beside its typed value (null where the text does not parse). Column names
-- are mapped with var transactions_columns. Customer ids are trimmed and, by
-- default, upper-cased (var customer_id_case), so an id whose case changes
-- between feeds stays one customer; the raw text keeps what arrived.
-- Timestamps are ISO 8601 or in a format of var timestamp_formats; numbers
-- use the decimal separator of var transactions_decimal_separator (CSV).

{%- set transactions_path = var('transactions_path') %}
{%- set decimal_separator = source_decimal_separator(transactions_path) %}

with raw_text as (

    {{ raw_source_rows(
        transactions_path,
        required_transaction_columns() + optional_transaction_columns(),
        var('transactions_columns')
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
