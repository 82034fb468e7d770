{#-
    What the transactions file looks like, for the on-run-start guard
    (check_transactions_source): how its delimiter, dates and numbers are
    written, read from the first data rows only (sniff_sample_rows), so the
    guard can name the var that reads the file instead of leaving every row
    unparsed. Reading the file is adapter specific: the queries are
    adapter.dispatch macros with a DuckDB implementation; the decisions and
    messages (check_transactions_values) are plain jinja.
-#}

{#- How many data rows, from the top of the file (or of the glob's first files), are looked at. -#}
{% macro sniff_sample_rows() -%}
    {{ return(1000) }}
{%- endmacro %}


{#-
    The delimiter a file read with the wrong one seems to have: the character
    among ; tab | , that occurs most often in its column names (a header read
    whole keeps its delimiters), as {character, name, shown, var}; none when
    no column name has one.
-#}
{% macro sniff_header_delimiter(column_names) -%}
    {%- set header = column_names | join('') -%}
    {%- set candidates = [
        {'character': ';', 'name': 'semicolon-separated', 'shown': "';'", 'var': ';'},
        {'character': '\t', 'name': 'tab-separated', 'shown': 'tabs', 'var': '\\t'},
        {'character': '|', 'name': 'pipe-separated', 'shown': "'|'", 'var': '|'},
        {'character': ',', 'name': 'comma-separated', 'shown': "','", 'var': ','},
    ] -%}
    {%- set found = {'delimiter': none, 'count': 0} -%}
    {%- for candidate in candidates -%}
        {%- set count = header.count(candidate.character) -%}
        {%- if count > found.count -%}
            {%- do found.update({'delimiter': candidate, 'count': count}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found.delimiter) }}
{%- endmacro %}


{#-
    Two formats of var timestamp_formats that differ only in the order of day
    and month ('%d/%m/%Y' and '%m/%d/%Y'), as a list of two; [] when there is
    none. With both listed, 03/01/2024 would be read in whichever comes first.
-#}
{% macro ambiguous_timestamp_formats(formats) -%}
    {%- for fmt in formats if '%d' in fmt and '%m' in fmt -%}
        {%- set swapped = fmt.replace('%d', '<day>').replace('%m', '%d').replace('<day>', '%m') -%}
        {%- if swapped in formats -%}
            {{ return([fmt, swapped]) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return([]) }}
{%- endmacro %}


{#-
    The non-empty values of one column in the first sniff_sample_rows() data
    rows, trimmed text, numbered in file order (sample_row): a select for the
    sniff queries below to start from.
-#}
{% macro sampled_column_values(path, file_column) -%}
    {{ return(adapter.dispatch('sampled_column_values', 'retention')(path, file_column)) }}
{%- endmacro %}

{% macro duckdb__sampled_column_values(path, file_column) -%}
    select sample_row, value
    from (
        select
            row_number() over () as sample_row,
            trim(cast({{ adapter.quote(file_column) }} as varchar)) as value
        from (
            select {{ adapter.quote(file_column) }}
            from (
                {{ scan_source_file(path) }}
            ) as file_rows
            limit {{ sniff_sample_rows() }}
        ) as first_rows
    ) as sampled
    where value is not null and value != ''
{%- endmacro %}


{#-
    How the timestamps of one column are written, over its sampled values:
    value_count (non-empty), unparsed_count (neither ISO 8601 nor a format of
    var timestamp_formats), samples (the first three unparsed values), and the
    most common numeric day-month shape among the unparsed ones (`<1>/<2>/%Y`,
    `<1>-<2>-%y %H:%M`, ...: first and second number, separator, year,
    time part): shape, shape_count (rows), first_max and second_max (the
    largest first and second number), shape_samples (its first three values),
    first_above_12 and second_above_12 (the first value whose first / second
    number is above 12: a day). A dict; shape is none when no unparsed value
    has that shape.
-#}
{% macro sniff_timestamps(path, file_column) -%}
    {{ return(adapter.dispatch('sniff_timestamps', 'retention')(path, file_column)) }}
{%- endmacro %}

{% macro duckdb__sniff_timestamps(path, file_column) -%}
    {%- set query -%}
        with sampled as (

            {{ sampled_column_values(path, file_column) }}

        ),

        checked as (

            select sample_row, value, {{ parse_local_timestamp('value') }} is null as is_unparsed
            from sampled

        ),

        unparsed as (

            select value, min(sample_row) as first_row, count(*) as value_rows
            from checked
            where is_unparsed
            group by value

        ),

        parts as (

            select
                value,
                first_row,
                value_rows,
                regexp_extract(
                    value,
                    '^([0-9]{1,2})([/.-])([0-9]{1,2})([/.-])([0-9]{4}|[0-9]{2})'
                    || '(([ T])([0-9]{1,2}):([0-9]{2})(:[0-9]{2})?([.][0-9]+)?( ?[AaPp][Mm])?)?$',
                    ['first', 'separator', 'second', 'second_separator', 'year',
                     'time', 'time_separator', 'hour', 'minute', 'seconds', 'fraction', 'meridiem']
                ) as part
            from unparsed

        ),

        shaped as (

            select
                value,
                first_row,
                value_rows,
                cast(part.first as integer) as first_number,
                cast(part.second as integer) as second_number,
                '<1>' || part.separator || '<2>' || part.separator
                || case when length(part.year) = 4 then '%Y' else '%y' end
                || case
                    when part.time = '' then ''
                    else part.time_separator
                        || case when part.meridiem = '' then '%H' else '%I' end || ':%M'
                        || case when part.seconds = '' then '' else ':%S' end
                        || case when part.fraction = '' then '' else '.%f' end
                        || case when part.meridiem = '' then '' when starts_with(part.meridiem, ' ') then ' %p' else '%p' end
                end as shape
            from parts
            where part.first != '' and part.separator = part.second_separator

        ),

        top_shape as (

            select
                shape,
                sum(value_rows) as shape_count,
                max(first_number) as first_max,
                max(second_number) as second_max,
                list(value order by first_row) as shape_values,
                arg_min(value, first_row) filter (where first_number > 12) as first_above_12,
                arg_min(value, first_row) filter (where second_number > 12) as second_above_12
            from shaped
            group by shape
            order by shape_count desc, shape
            limit 1

        ),

        unparsed_values as (

            select list(value order by first_row) as samples from unparsed

        )

        select
            (select count(*) from checked) as value_count,
            (select count(*) from checked where is_unparsed) as unparsed_count,
            unparsed_values.samples[1] as sample_1,
            unparsed_values.samples[2] as sample_2,
            unparsed_values.samples[3] as sample_3,
            top_shape.shape,
            top_shape.shape_count,
            top_shape.first_max,
            top_shape.second_max,
            top_shape.shape_values[1] as shape_sample_1,
            top_shape.shape_values[2] as shape_sample_2,
            top_shape.shape_values[3] as shape_sample_3,
            top_shape.first_above_12,
            top_shape.second_above_12
        from unparsed_values
        left join top_shape on true
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {{ return({
        'value_count': row['value_count'] | int,
        'unparsed_count': row['unparsed_count'] | int,
        'samples': [row['sample_1'], row['sample_2'], row['sample_3']] | reject('none') | list,
        'shape': row['shape'],
        'shape_count': (row['shape_count'] or 0) | int,
        'first_max': (row['first_max'] or 0) | int,
        'second_max': (row['second_max'] or 0) | int,
        'shape_samples': [row['shape_sample_1'], row['shape_sample_2'], row['shape_sample_3']] | reject('none') | list,
        'first_above_12': row['first_above_12'],
        'second_above_12': row['second_above_12'],
    }) }}
{%- endmacro %}


{#-
    How the numbers of one column are written, over its sampled values:
    value_count (non-empty), unparsed_count (not a number with
    decimal_separator); among the unparsed ones decimal_comma_count (10,50,
    1.234,50, 1,234), clear_decimal_comma_count (those whose comma cannot be
    a thousands separator: not followed by exactly three digits, or after a
    point), decimal_point_count (10.50, 1,234.50), and the first three of each
    kind (comma_samples, point_samples) with the first clear decimal comma
    (comma_evidence). A dict.
-#}
{% macro sniff_decimals(path, file_column, decimal_separator) -%}
    {{ return(adapter.dispatch('sniff_decimals', 'retention')(path, file_column, decimal_separator)) }}
{%- endmacro %}

{% macro duckdb__sniff_decimals(path, file_column, decimal_separator) -%}
    {%- set query -%}
        with sampled as (

            {{ sampled_column_values(path, file_column) }}

        ),

        checked as (

            select sample_row, value, {{ parse_decimal('value', decimal_separator) }} is null as is_unparsed
            from sampled

        ),

        unparsed as (

            select
                value,
                min(sample_row) as first_row,
                count(*) as value_rows,
                contains(value, ',') and {{ text_matches('value', decimal_comma_number_pattern()) }} as is_decimal_comma,
                regexp_full_match(value, '[+-]?[0-9]{1,3}(,[0-9]{3})+') as is_comma_thousands,
                try_cast(value as decimal(38, 10)) is not null
                    or regexp_full_match(value, '[+-]?[0-9]{1,3}(,[0-9]{3})*[.][0-9]+') as is_decimal_point
            from checked
            where is_unparsed
            group by value

        ),

        kinds as (

            select
                coalesce(sum(value_rows) filter (where is_decimal_comma), 0) as decimal_comma_count,
                coalesce(sum(value_rows) filter (where is_decimal_comma and not is_comma_thousands), 0)
                    as clear_decimal_comma_count,
                coalesce(sum(value_rows) filter (where is_decimal_point), 0) as decimal_point_count,
                list(value order by first_row) filter (where is_decimal_comma) as comma_values,
                list(value order by first_row) filter (where is_decimal_point) as point_values,
                arg_min(value, first_row) filter (where is_decimal_comma and not is_comma_thousands) as comma_evidence
            from unparsed

        )

        select
            (select count(*) from checked) as value_count,
            (select count(*) from checked where is_unparsed) as unparsed_count,
            decimal_comma_count,
            clear_decimal_comma_count,
            decimal_point_count,
            comma_values[1] as comma_sample_1,
            comma_values[2] as comma_sample_2,
            comma_values[3] as comma_sample_3,
            point_values[1] as point_sample_1,
            point_values[2] as point_sample_2,
            point_values[3] as point_sample_3,
            comma_evidence
        from kinds
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {{ return({
        'value_count': row['value_count'] | int,
        'unparsed_count': row['unparsed_count'] | int,
        'decimal_comma_count': row['decimal_comma_count'] | int,
        'clear_decimal_comma_count': row['clear_decimal_comma_count'] | int,
        'decimal_point_count': row['decimal_point_count'] | int,
        'comma_samples': [row['comma_sample_1'], row['comma_sample_2'], row['comma_sample_3']] | reject('none') | list,
        'point_samples': [row['point_sample_1'], row['point_sample_2'], row['point_sample_3']] | reject('none') | list,
        'comma_evidence': row['comma_evidence'],
    }) }}
{%- endmacro %}



{#- Another adapter implements the three queries above; until then the guard says so. -#}
{% macro not_sniffable() -%}
    {{ exceptions.raise_compiler_error(
        "Sniffing source files is not implemented for the '" ~ adapter.type() ~ "' adapter yet "
        ~ "(macros/sources/sniff_transactions.sql)."
    ) }}
{%- endmacro %}

{% macro default__sampled_column_values(path, file_column) -%}
    {{ not_sniffable() }}
{%- endmacro %}

{% macro default__sniff_timestamps(path, file_column) -%}
    {{ not_sniffable() }}
{%- endmacro %}

{% macro default__sniff_decimals(path, file_column, decimal_separator) -%}
    {{ not_sniffable() }}
{%- endmacro %}
