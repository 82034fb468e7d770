{#-
    Reading the raw files declared as the tables of source raw
    (models/staging/_raw__sources.yml): table <name> is the file(s) of var
    <name>_path. File access is adapter specific, so each piece is an
    adapter.dispatch macro with a DuckDB and a Spark implementation.

    `source` is either the source() relation (what a staging model reads, so
    dbt knows the model's parent) or a path (the checks of
    check_transactions_source, which run before any model and read files
    as such).
-#}

{#- The path (or glob) of a source: a source() relation's var <name>_path, or the path itself. -#}
{% macro raw_source_path(source) -%}
    {%- if source is string -%}
        {{ return(source) }}
    {%- endif -%}
    {{ return(var(source.identifier ~ '_path') | string | trim) }}
{%- endmacro %}

{#- The file format, from the path's extension. -#}
{% macro source_file_format(source) -%}
    {%- set lowered = raw_source_path(source) | lower -%}
    {%- if lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        parquet
    {%- else -%}
        csv
    {%- endif -%}
{%- endmacro %}


{#-
    A select over the file(s): the file's columns plus `source_file` and
    `source_row_number` (1 = the first data row of its file; for a CSV file,
    line in file = number + 1). `files`, when given, is the list of files of
    the glob to read (the others are not opened): an incremental load reads
    only the files that are new, and numbers their rows exactly as a read of
    the whole glob does.
-#}
{% macro read_source_file(source, files=none) -%}
    {{ return(adapter.dispatch('read_source_file', 'retention')(source, files)) }}
{%- endmacro %}

{#- A number that follows the rows of a file scan in the order they were read. -#}
{% macro file_read_order() -%}
    {{ return(adapter.dispatch('file_read_order', 'retention')()) }}
{%- endmacro %}

{% macro duckdb__file_read_order() -%}
    {#- DuckDB keeps insertion order: the scan's order -#}
    row_number() over ()
{%- endmacro %}

{% macro spark__file_read_order() -%}
    {#- one task reads a file (CSV with multiLine, or a Parquet file) in order -#}
    monotonically_increasing_id()
{%- endmacro %}

{% macro default__file_read_order() -%}
    {{ exceptions.raise_compiler_error(
        "Reading source files is not implemented for the '" ~ adapter.type() ~ "' adapter yet "
        ~ "(macros/sources/source_files.sql)."
    ) }}
{%- endmacro %}

{#- The scan's rows (of `files` only, when given) with read_number: their order as read. -#}
{% macro file_rows_in_read_order(source, files=none) -%}
    select scanned.*, {{ file_read_order() }} as read_number
    from (
        {{ scan_source_file(source) }}
    ) as scanned
    {%- if files is not none %}
    where {% if files | length == 0 %}1 = 0{% else %}source_file in (
        {%- for file in files %}'{{ file | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor -%}
    ){% endif %}
    {%- endif %}
{%- endmacro %}

{% macro duckdb__read_source_file(source, files=none) -%}
    {#- DuckDB reads the files of a glob in order and keeps insertion order, so a
        file's rows are consecutive in read order (row_number() over ()): its row
        number is that minus the number of its first row, plus one. -#}
    with file_rows as (

        {{ file_rows_in_read_order(source, files) }}

    ),

    file_starts as (

        select source_file, min(read_number) as first_read_number
        from file_rows
        group by source_file

    )

    select
        file_rows.* exclude (read_number),
        file_rows.read_number - file_starts.first_read_number + 1 as source_row_number
    from file_rows
    inner join file_starts on file_rows.source_file = file_starts.source_file
{%- endmacro %}

{% macro spark__read_source_file(source, files=none) -%}
    {#- Spark keeps no insertion order across a query, but reads a CSV file read
        with multiLine (or a Parquet file) in order within one task:
        file_read_order() follows the file's rows. The read_number column
        stays in the output (Spark has no select * exclude). -#}
    with file_rows as (

        {{ file_rows_in_read_order(source, files) }}

    )

    select
        file_rows.*,
        cast(row_number() over (partition by source_file order by read_number) as bigint) as source_row_number
    from file_rows
{%- endmacro %}

{% macro default__read_source_file(source, files=none) -%}
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
{% macro scan_source_file(source) -%}
    {{ return(adapter.dispatch('scan_source_file', 'retention')(source)) }}
{%- endmacro %}

{% macro duckdb__scan_source_file(source) -%}
    {#- a source() relation renders as its external_location: the quoted path -#}
    {%- set location = ("'" ~ (source | replace("'", "''")) ~ "'") if source is string else source -%}
    {%- set delimiter = var('transactions_delimiter') | string -%}
    {%- if source_file_format(source) == 'parquet' %}
        select * rename (filename as source_file)
        from read_parquet({{ location }}, filename = true, union_by_name = true)
    {%- else %}
        select * rename (filename as source_file)
        from read_csv(
            {{ location }},
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

{% macro spark__scan_source_file(source) -%}
    select scanned.*, {{ spark_file_path('scanned._metadata.file_path') }} as source_file
    from {{ spark_source_table(source) }} as scanned
{%- endmacro %}

{#- A file's path as Spark lists it (a URI: 'file:/data/my%20shop.csv') as the
    file system names it ('/data/my shop.csv'), as DuckDB gives it; a literal
    '+' stays one (url_decode alone would read it as a space). -#}
{% macro spark_file_path(uri_expr) -%}
    url_decode(replace(regexp_replace({{ uri_expr }}, '^file:', ''), '+', '%2B'))
{%- endmacro %}

{#-
    Spark reads files through a table over them (an external table: dropping
    it leaves the files alone), in schema raw_files: the source() relation
    itself (raw_files.<name>), or for a path a table named after the path and
    the read options; created anew at execution, so that every run lists the
    files and reads their header again. (Dropped and created while a model
    compiles: with dbt threads above 1 a model reading the files at that
    moment may miss the table.) CSV: all text, header, RFC 4180 quoting (a quote doubles
    itself), rows may span lines; var transactions_delimiter, or ',' when
    empty (Spark has no delimiter sniffer). The files of a glob must have the
    same columns in the same order (Spark reads them by position; with
    enforceSchema off it stops on a file whose header differs, where DuckDB
    matches the columns by name).
-#}
{% macro spark_source_table(source) -%}
    {%- set path = raw_source_path(source) -%}
    {%- set delimiter = var('transactions_delimiter') | string or ',' -%}
    {%- set encodings = {'utf-8': 'UTF-8', 'utf8': 'UTF-8', 'utf-16': 'UTF-16', 'latin-1': 'ISO-8859-1',
                         'latin1': 'ISO-8859-1'} -%}
    {%- set encoding = encodings.get(var('transactions_encoding') | lower, var('transactions_encoding')) -%}
    {%- set parquet = source_file_format(path) == 'parquet' -%}
    {%- set key = (path ~ '|' ~ delimiter ~ '|' ~ encoding) -%}
    {%- set name = ('raw_files.files_' ~ local_md5(key)[:16]) if source is string else (source | string) -%}
    {%- set quoted_path = path | replace("\\", "\\\\") | replace("'", "\\'") -%}
    {%- if execute -%}
        {%- do run_query("create database if not exists raw_files") -%}
        {%- do run_query("drop table if exists " ~ name) -%}
        {%- if parquet -%}
            {%- do run_query("create table " ~ name ~ " using parquet options (path '" ~ quoted_path
                             ~ "', mergeSchema 'true')") -%}
        {%- else -%}
            {%- do run_query(
                "create table " ~ name ~ " using csv options (path '" ~ quoted_path ~ "', header 'true', "
                ~ "sep '" ~ (delimiter | replace("'", "''")) ~ "', encoding '" ~ encoding ~ "', "
                ~ "quote '\"', escape '\"', multiLine 'true', mode 'PERMISSIVE', inferSchema 'false', "
                ~ "enforceSchema 'false')"
            ) -%}
        {%- endif -%}
    {%- endif -%}
    {{- name -}}
{%- endmacro %}

{% macro default__scan_source_file(source) -%}
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
{% macro source_decimal_separator(source) -%}
    {{ return('.' if source_file_format(source) == 'parquet' else var('transactions_decimal_separator') | string) }}
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


{% macro spark__count_source_files(path) -%}
    {#- binaryFile lists the files; their content is not read unless selected. A path
        that matches nothing raises Spark's PATH_NOT_FOUND, naming it. -#}
    {%- set result = run_query("select count(*) from binaryFile.`" ~ path ~ "`") -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}


{#- The file's column names, lower-cased, in file order (only at execution time). -#}
{% macro source_file_columns(source) -%}
    {{ return(adapter.dispatch('source_file_columns', 'retention')(source)) }}
{%- endmacro %}

{% macro duckdb__source_file_columns(source) -%}
    {%- set result = run_query("describe " ~ read_source_file(source)) -%}
    {%- set names = [] -%}
    {%- for name in result.columns[0].values() if name not in ['source_file', 'source_row_number'] -%}
        {%- do names.append(name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{% macro spark__source_file_columns(source) -%}
    {%- set result = run_query("describe query select * from " ~ spark_source_table(source)) -%}
    {%- set names = [] -%}
    {%- for name in result.columns[0].values() -%}
        {%- do names.append(name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#-
    The select list of a staging model: for each logical column, the mapped
    file column as text (`<name>_raw`), or a typed null when an optional column
    is absent. `mapping` is the user's var (logical name -> file column name).
-#}
{% macro raw_text_columns(source, logical_columns, mapping) -%}
    {%- set present = source_file_columns(source) if execute else [] -%}
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
{% macro raw_source_rows(source, logical_columns, mapping, files=none) -%}
    select
        source_file,
        source_row_number,
        {{- raw_text_columns(source, logical_columns, mapping) }}
    from (
        {{ read_source_file(source, files) }}
    ) as source
{%- endmacro %}


{#-
    The version of each file of the path (or glob) as the file system tells
    it without reading the file: size and modification time, as one text.
    An incremental load compares it with the version it loaded, so a file
    re-delivered with other content is read again.
-#}
{% macro source_file_versions(path) -%}
    {%- if count_source_files(path) == 0 -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set versions = {} -%}
    {%- for row in run_query(source_file_versions_sql(path)).rows -%}
        {%- do versions.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{ return(versions) }}
{%- endmacro %}

{#- The query behind source_file_versions: (file, version text) per file, by file. -#}
{% macro source_file_versions_sql(path) -%}
    {{ return(adapter.dispatch('source_file_versions_sql', 'retention')(path)) }}
{%- endmacro %}

{% macro duckdb__source_file_versions_sql(path) -%}
    {#- read_blob without its content column reads no file, only the file system's metadata -#}
    select filename, cast(size as varchar) || ' bytes, modified ' || cast(last_modified as varchar)
    from read_blob('{{ path }}') order by filename
{%- endmacro %}

{% macro spark__source_file_versions_sql(path) -%}
    {#- binaryFile without its content column reads no file; its paths are file: URIs -#}
    select {{ spark_file_path('path') }}, cast(length as string) || ' bytes, modified '
        || cast(modificationTime as string)
    from binaryFile.`{{ path }}` order by path
{%- endmacro %}

{% macro default__source_file_versions_sql(path) -%}
    {{ exceptions.raise_compiler_error(
        "Listing source files is not implemented for the '" ~ adapter.type() ~ "' adapter yet "
        ~ "(macros/sources/source_files.sql)."
    ) }}
{%- endmacro %}
