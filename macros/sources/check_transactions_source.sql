{#-
    on-run-start guard: stop the run, before any model is replaced, when the
    transactions file is missing or lacks a required column. The message names
    the file and the column. An empty file or a header without rows stops it
    too. The optional customers, service-costs and churn-reasons files, when configured, must
    exist and have their required columns. (Unreadable files, or files in another encoding than var
    transactions_encoding, fail here too, with the database's own message
    naming the file and the line.)
-#}

{% macro required_transaction_columns() -%}
    {{ return(['customer_id', 'order_id', 'ordered_at', 'amount']) }}
{%- endmacro %}

{% macro optional_transaction_columns() -%}
    {{ return(['line_id', 'quantity', 'product_id', 'currency', 'cost']) }}
{%- endmacro %}

{% macro required_service_cost_columns() -%}
    {{ return(['customer_id', 'incurred_on', 'cost_to_serve']) }}
{%- endmacro %}

{% macro required_churn_reason_columns() -%}
    {{ return(['customer_id', 'reported_on', 'reason_code']) }}
{%- endmacro %}

{#-
    An optional source (var <name>_path, empty = none): when a path is set it
    must match a file that has the required columns (mapped with var
    <name>_columns).
-#}
{% macro check_optional_source(name, path, mapping, required_columns) -%}
    {%- if (path | trim) != '' -%}
        {%- if count_source_files(path) == 0 -%}
            {{ exceptions.raise_compiler_error(name ~ "_path '" ~ path ~ "' matches no file.") }}
        {%- endif -%}
        {%- set present = source_file_columns(path) -%}
        {%- for column in required_columns -%}
            {%- set file_column = mapping.get(column, column) | lower -%}
            {%- if file_column not in present -%}
                {{ exceptions.raise_compiler_error(
                    name ~ " file '" ~ path ~ "' has no column '" ~ file_column ~ "' (required as " ~ column
                    ~ "). Its columns are: " ~ (present | join(', '))
                    ~ ". Map yours with --vars '{" ~ name ~ "_columns: {" ~ column ~ ": <your column>}}'."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro check_transactions_source() -%}
    {%- if execute and flags.WHICH in ['run', 'build'] -%}
        {%- set path = var('transactions_path') -%}
        {%- if (path | trim) == '' -%}
            {{ exceptions.raise_compiler_error("var 'transactions_path' is empty: point it at a CSV or Parquet file of transactions.") }}
        {%- endif -%}
        {%- if count_source_files(path) == 0 -%}
            {{ exceptions.raise_compiler_error(
                "transactions_path '" ~ path ~ "' matches no file (relative paths are relative to the directory dbt runs in)."
            ) }}
        {%- endif -%}
        {%- if not source_file_has_rows(path) -%}
            {{ exceptions.raise_compiler_error(
                "transactions file '" ~ path ~ "' has no data rows (an empty file or a header only): "
                ~ "nothing was rebuilt, the marts keep their last good state."
            ) }}
        {%- endif -%}
        {%- set present = source_file_columns(path) -%}
        {%- set mapping = var('transactions_columns') -%}
        {%- for column in required_transaction_columns() -%}
            {%- set file_column = mapping.get(column, column) | lower -%}
            {%- if file_column not in present -%}
                {{ exceptions.raise_compiler_error(
                    "transactions file '" ~ path ~ "' has no column '" ~ file_column ~ "' (required as " ~ column
                    ~ "). Its columns are: " ~ (present | join(', '))
                    ~ ". Map yours with --vars '{transactions_columns: {" ~ column ~ ": <your column>}}'."
                    ~ (" The file was read as a single column: check its delimiter and quoting, and that it"
                       ~ " is complete (a last row cut short also defeats the column detection)."
                       if present | length == 1 else "")
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- do check_optional_source('customers', var('customers_path'), var('customers_columns'), ['customer_id']) -%}
        {%- do check_optional_source(
            'service_costs', var('service_costs_path'), var('service_costs_columns'), required_service_cost_columns()
        ) -%}
        {%- do check_optional_source(
            'churn_reasons', var('churn_reasons_path'), var('churn_reasons_columns'), required_churn_reason_columns()
        ) -%}
    {%- endif -%}
    select 1
{%- endmacro %}
