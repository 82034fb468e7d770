-- One row per line of the optional churn-reasons file (var churn_reasons_path):
-- customer_id, reported_on, reason_code, names mapped with var
-- churn_reasons_columns. Rename and cast only: the raw text is kept beside the
-- typed value, which is null where the text does not parse
-- (tests/dbt/assert_churn_reason_rows_usable.sql fails on such rows). Customer
-- ids are normalised like the transactions' (var customer_id_case); reason
-- codes are trimmed and lower-cased to match seeds/churn_reason_taxonomy.csv.
-- With no file this is an empty relation of the same shape: no reason is known.

{%- set raw_file = source('raw', 'churn_reasons') %}
{%- set churn_reasons_path = raw_source_path(raw_file) %}

{% if churn_reasons_path != '' %}

with raw_text as (

    {{ raw_source_rows(raw_file, required_churn_reason_columns(), var('churn_reasons_columns')) }}

),

typed as (

    select
        source_file,
        source_row_number,
        customer_id_raw,
        reported_on_raw,
        reason_code_raw,
        {{ normalize_customer_id("nullif(customer_id_raw, '')") }} as customer_id,
        cast({{ parse_local_timestamp('reported_on_raw') }} as date) as reported_on,
        lower(nullif(reason_code_raw, '')) as reason_code
    from raw_text

)

{{ source_columns_select('churn_reasons', 'typed') }}

{% else %}

{{ empty_source_relation('churn_reasons') }}

{% endif %}
