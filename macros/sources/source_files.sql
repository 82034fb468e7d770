{#-
    Reading the raw files behind var('transactions_path') / var('customers_path').
    File access is adapter specific, so each piece is an adapter.dispatch macro
    with a DuckDB implementation; a Spark implementation slots in beside it.
-#}

{#- The file format, from the path's extension. -#}
{% macro source_file_format(path) -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        parquet
    {%- else -%}
        csv
    {%- endif -%}
{%- endmacro %}


{#-
    A select over the file(s): the file's columns plus `source_file` and
    `source_row_number` (1 = the first data row, counted in read order across
    the files of a glob; for a single CSV, line in file = number + 1).
-#}
{% macro read_source_file(path) -%}
    {{ return(adapter.dispatch('read_source_file', 'retention')(path)) }}
{%- endmacro %}

{% macro duckdb__read_source_file(path) -%}
    {#- DuckDB keeps insertion order, so row_number() over () is the read order. -#}
    select *, row_number() over () as source_row_number
    from (
        {{ scan_source_file(path) }}
    ) as file_rows
{%- endmacro %}

{% macro default__read_source_file(path) -%}
    {{ exceptions.raise_compiler_error(
        "Reading source files is not implemented for the '" ~ adapter.type() ~ "' adapter yet "
        ~ "(macros/sources/source_files.sql)."
    ) }}
{%- endmacro %}


{#-
    A select over the file(s) as read: the file's columns (CSV: all text, in
    var transactions_encoding, split at var transactions_delimiter or at the
    delimiter DuckDB's sniffer detects when that is empty) plus `source_file`,
    without row numbers: what read_source_file numbers, and what a look at the
    first rows reads without scanning the whole file.
-#}
{% macro scan_source_file(path) -%}
    {{ return(adapter.dispatch('scan_source_file', 'retention')(path)) }}
{%- endmacro %}

{% macro duckdb__scan_source_file(path) -%}
    {%- set delimiter = var('transactions_delimiter') | string -%}
    {%- if source_file_format(path) == 'parquet' %}
        select * rename (filename as source_file)
        from read_parquet('{{ path }}', filename = true, union_by_name = true)
    {%- else %}
        select * rename (filename as source_file)
        from read_csv(
            '{{ path }}',
            header = true,
            all_varchar = true,
            filename = true,
            union_by_name = true,
            {%- if delimiter != '' %}
            delim = '{{ delimiter | replace("'", "''") }}',
            {%- endif %}
            encoding = '{{ var('transactions_encoding') }}'
        )
    {%- endif %}
{%- endmacro %}

{% macro default__scan_source_file(path) -%}
    {{ exceptions.raise_compiler_error(
        "Reading source files is not implemented for the '" ~ adapter.type() ~ "' adapter yet "
        ~ "(macros/sources/source_files.sql)."
    ) }}
{%- endmacro %}


{#-
    The decimal separator of the numbers in the file's text: var
    transactions_decimal_separator for CSV; '.' for Parquet, whose numbers are
    typed (cast to text they always have a decimal point).
-#}
{% macro source_decimal_separator(path) -%}
    {{ return('.' if source_file_format(path) == 'parquet' else var('transactions_decimal_separator') | string) }}
{%- endmacro %}


{#- Whether the file(s) have at least one data row (reads no further than that row). -#}
{% macro source_file_has_rows(path) -%}
    {%- set result = run_query("select 1 from (" ~ scan_source_file(path) ~ ") as rows limit 1") -%}
    {{ return(result.rows | length > 0) }}
{%- endmacro %}


{#- How many files the path (or glob) matches. -#}
{% macro count_source_files(path) -%}
    {{ return(adapter.dispatch('count_source_files', 'retention')(path)) }}
{%- endmacro %}

{% macro duckdb__count_source_files(path) -%}
    {%- set result = run_query("select count(*) from glob('" ~ path ~ "')") -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}


{#- The file's column names, lower-cased, in file order (only at execution time). -#}
{% macro source_file_columns(path) -%}
    {{ return(adapter.dispatch('source_file_columns', 'retention')(path)) }}
{%- endmacro %}

{% macro duckdb__source_file_columns(path) -%}
    {%- set result = run_query("describe " ~ read_source_file(path)) -%}
    {%- set names = [] -%}
    {%- for name in result.columns[0].values() if name not in ['source_file', 'source_row_number'] -%}
        {%- do names.append(name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#-
    The select list of a staging model: for each logical column, the mapped
    file column as text (`<name>_raw`), or a typed null when an optional column
    is absent. `mapping` is the user's var (logical name -> file column name).
-#}
{% macro raw_text_columns(path, logical_columns, mapping) -%}
    {%- set present = source_file_columns(path) if execute else [] -%}
    {%- for column in logical_columns -%}
        {%- set file_column = mapping.get(column, column) | lower -%}
        {%- if not execute or file_column in present %}
        trim(cast({{ adapter.quote(file_column) }} as {{ dbt.type_string() }})) as {{ column }}_raw
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ column }}_raw
        {%- endif -%}
        {{- ',' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#-
    The raw rows of a source file, as a staging model's first step: file and
    row number, then each logical column as trimmed text (`<name>_raw`, see
    raw_text_columns).
-#}
{% macro raw_source_rows(path, logical_columns, mapping) -%}
    select
        source_file,
        source_row_number,
        {{- raw_text_columns(path, logical_columns, mapping) }}
    from (
        {{ read_source_file(path) }}
    ) as source
{%- endmacro %}
