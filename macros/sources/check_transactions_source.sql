{#-
    on-run-start guard: stop the run, before any model is replaced, when the
    transactions file is missing or lacks a required column. The message names
    the file and the column. An empty file or a header without rows stops it
    too. (Unreadable files, or files in another encoding than var
    transactions_encoding, fail here too, with the database's own message
    naming the file and the line.)
-#}

{% macro required_transaction_columns() -%}
    {{ return(['customer_id', 'order_id', 'ordered_at', 'amount']) }}
{%- endmacro %}

{% macro optional_transaction_columns() -%}
    {{ return(['line_id', 'quantity', 'product_id', 'currency', 'cost']) }}
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
        {%- set customers_path = var('customers_path') -%}
        {%- if (customers_path | trim) != '' -%}
            {%- if count_source_files(customers_path) == 0 -%}
                {{ exceptions.raise_compiler_error("customers_path '" ~ customers_path ~ "' matches no file.") }}
            {%- endif -%}
            {%- set customer_id_column = var('customers_columns').get('customer_id', 'customer_id') | lower -%}
            {%- set customer_columns = source_file_columns(customers_path) -%}
            {%- if customer_id_column not in customer_columns -%}
                {{ exceptions.raise_compiler_error(
                    "customers file '" ~ customers_path ~ "' has no column '" ~ customer_id_column
                    ~ "' (required as customer_id). Its columns are: " ~ (customer_columns | join(', ')) ~ "."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
