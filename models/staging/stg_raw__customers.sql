-- One row per line of the optional customers file (var customers_path):
-- customer_id, signed_up_at, channel, and optionally the contact details
-- customer_name, email, phone, account_owner (names mapped with var
-- customers_columns; raw_text_columns reads a column the file lacks as
-- null, so a file without them reads exactly as before). Blank cells are
-- null. Ids are normalised like every other source's (normalize_customer_id,
-- var customer_id_case), so " c00002 " and "C00002" are one customer and
-- join to the transactions. With no customers file this is an empty relation of the same shape,
-- so prospects simply do not exist.

{%- set raw_file = source('raw', 'customers') %}
{%- set customers_path = raw_source_path(raw_file) %}
{%- set contact_columns = customer_contact_columns() %}

{% if customers_path != '' %}

with source as (

    {{ read_source_file(raw_file) }}

),

raw_text as (

    select
        source_file,
        {{- raw_text_columns(raw_file, ['customer_id', 'signed_up_at', 'channel'] + contact_columns, var('customers_columns')) }}
    from source

),

typed as (

    select
        source_file,
        {{ normalize_customer_id("nullif(customer_id_raw, '')") }} as customer_id,
        cast({{ parse_local_timestamp('signed_up_at_raw') }} as date) as signed_up_date,
        nullif(channel_raw, '') as channel
        {%- for column in contact_columns %},
        nullif({{ column }}_raw, '') as {{ column }}
        {%- endfor %}
    from raw_text

)

{{ source_columns_select('customers', 'typed') }}

{% else %}

{{ empty_source_relation('customers') }}

{% endif %}
