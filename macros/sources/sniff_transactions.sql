{#-
    What the transactions file looks like, for the on-run-start guard
    (check_transactions_source): how its delimiter, dates and numbers are
    written, read from the first data rows only (sniff_sample_rows), so the
    guard can name the var that reads the file instead of leaving every row
    unparsed. Reading the file's first values in file order is adapter
    specific (file_read_order in source_files.sql, an adapter.dispatch macro
    with DuckDB and Spark implementations) and the warehouse's own parsers decide what reads; what
    the rest looks like, the decisions and the messages
    (check_transactions_values) are plain jinja.
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
    select sample_row, value
    from (
        select
            row_number() over (order by read_number) as sample_row,
            trim(cast({{ adapter.quote(file_column) }} as {{ dbt.type_string() }})) as value
        from (
            select {{ adapter.quote(file_column) }}, {{ file_read_order() }} as read_number
            from (
                select {{ adapter.quote(file_column) }}
                from (
                    {{ scan_source_file(path) }}
                ) as file_rows
                limit {{ sniff_sample_rows() }}
            ) as first_rows
        ) as numbered
    ) as sampled
    where value is not null and value != ''
{%- endmacro %}

{#-
    The sampled values of one column, each with whether the SQL expression
    `unparsed_sql` (over `value`) holds, in file order, and the distinct
    values that hold it: {value_count, unparsed_count, unparsed: [{value,
    first_row, rows, ...extra columns}] in order of first appearance}. The
    warehouse only parses (its own parser decides what reads); what the
    unparsed values look like is worked out here, in jinja, the same on every
    adapter.
-#}
{% macro sniffed_values(path, file_column, unparsed_sql, extra_columns={}) -%}
    {%- set query -%}
        select
            sample_row,
            value,
            case when {{ unparsed_sql }} then 1 else 0 end as is_unparsed
            {%- for name, expression in extra_columns.items() %},
            case when {{ expression }} then 1 else 0 end as {{ name }}
            {%- endfor %}
        from (
            {{ sampled_column_values(path, file_column) }}
        ) as sampled
        order by sample_row
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- set unparsed = {} -%}
    {%- set ordered = [] -%}
    {%- for row in rows if row['is_unparsed'] | int == 1 -%}
        {%- if row['value'] in unparsed -%}
            {%- do unparsed[row['value']].update({'rows': unparsed[row['value']]['rows'] + 1}) -%}
        {%- else -%}
            {%- set entry = {'value': row['value'], 'first_row': row['sample_row'] | int, 'rows': 1} -%}
            {%- for name in extra_columns -%}
                {%- do entry.update({name: row[name] | int == 1}) -%}
            {%- endfor -%}
            {%- do unparsed.update({row['value']: entry}) -%}
            {%- do ordered.append(entry) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({
        'value_count': rows | length,
        'unparsed_count': ordered | sum(attribute='rows'),
        'unparsed': ordered,
    }) }}
{%- endmacro %}


{#- Whether the whole text matches the regular expression (Python's re, as in jinja). -#}
{% macro full_match(pattern, text) -%}
    {{ return(modules.re.fullmatch(pattern, text) is not none) }}
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
    {%- set sniffed = sniffed_values(path, file_column, parse_local_timestamp('value') ~ ' is null') -%}
    {%- set pattern = '([0-9]{1,2})([/.-])([0-9]{1,2})([/.-])([0-9]{4}|[0-9]{2})'
                      ~ '(([ T])([0-9]{1,2}):([0-9]{2})(:[0-9]{2})?([.][0-9]+)?( ?[AaPp][Mm])?)?' -%}
    {%- set shapes = {} -%}
    {%- for entry in sniffed.unparsed -%}
        {%- set found = modules.re.fullmatch(pattern, entry.value) -%}
        {%- if found is not none and found.group(2) == found.group(4) -%}
            {%- set part = {} -%}
            {%- for name in ['first', 'separator', 'second', 'second_separator', 'year', 'time', 'time_separator',
                             'hour', 'minute', 'seconds', 'fraction', 'meridiem'] -%}
                {%- do part.update({name: found.group(loop.index) or ''}) -%}
            {%- endfor -%}
            {%- set shape = '<1>' ~ part.separator ~ '<2>' ~ part.separator ~ ('%Y' if part.year | length == 4 else '%y')
                ~ ('' if part.time == '' else part.time_separator ~ ('%H' if part.meridiem == '' else '%I') ~ ':%M'
                   ~ ('' if part.seconds == '' else ':%S') ~ ('' if part.fraction == '' else '.%f')
                   ~ ('' if part.meridiem == '' else (' %p' if part.meridiem.startswith(' ') else '%p'))) -%}
            {%- set first_number, second_number = part.first | int, part.second | int -%}
            {%- if shape not in shapes -%}
                {%- do shapes.update({shape: {'shape': shape, 'count': 0, 'first_max': 0, 'second_max': 0,
                                              'values': [], 'first_above_12': none, 'second_above_12': none}}) -%}
            {%- endif -%}
            {%- set counted = shapes[shape] -%}
            {%- do counted.update({
                'count': counted['count'] + entry.rows,
                'first_max': [counted['first_max'], first_number] | max,
                'second_max': [counted['second_max'], second_number] | max,
            }) -%}
            {%- do counted['values'].append(entry.value) -%}
            {%- if first_number > 12 and counted['first_above_12'] is none -%}
                {%- do counted.update({'first_above_12': entry.value}) -%}
            {%- endif -%}
            {%- if second_number > 12 and counted['second_above_12'] is none -%}
                {%- do counted.update({'second_above_12': entry.value}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {#- the most common shape; of equally common ones, the first by name -#}
    {%- set top = {'shape': none} -%}
    {%- for shape in shapes.values() | sort(attribute='shape') -%}
        {%- if top.shape is none or shape['count'] > top['count'] -%}
            {%- do top.update(shape) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({
        'value_count': sniffed.value_count,
        'unparsed_count': sniffed.unparsed_count,
        'samples': (sniffed.unparsed | map(attribute='value') | list)[:3],
        'shape': top.shape,
        'shape_count': top.get('count', 0),
        'first_max': top.get('first_max', 0),
        'second_max': top.get('second_max', 0),
        'shape_samples': top.get('values', [])[:3],
        'first_above_12': top.get('first_above_12'),
        'second_above_12': top.get('second_above_12'),
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
    {%- set sniffed = sniffed_values(
        path, file_column, parse_decimal('value', decimal_separator) ~ ' is null',
        {'is_number': dbt.safe_cast('value', 'decimal(38, 10)') ~ ' is not null'}
    ) -%}
    {%- set counts = {'comma': 0, 'clear_comma': 0, 'point': 0} -%}
    {%- set kinds = {'comma': [], 'point': [], 'evidence': []} -%}
    {%- for entry in sniffed.unparsed -%}
        {%- set is_decimal_comma = ',' in entry.value and full_match(decimal_comma_number_pattern(), entry.value) -%}
        {%- set is_comma_thousands = full_match('[+-]?[0-9]{1,3}(,[0-9]{3})+', entry.value) -%}
        {%- set is_decimal_point = entry.is_number or full_match('[+-]?[0-9]{1,3}(,[0-9]{3})*[.][0-9]+', entry.value) -%}
        {%- if is_decimal_comma -%}
            {%- do counts.update({'comma': counts.comma + entry.rows}) -%}
            {%- do kinds.comma.append(entry.value) -%}
            {%- if not is_comma_thousands -%}
                {%- do counts.update({'clear_comma': counts.clear_comma + entry.rows}) -%}
                {%- do kinds.evidence.append(entry.value) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if is_decimal_point -%}
            {%- do counts.update({'point': counts.point + entry.rows}) -%}
            {%- do kinds.point.append(entry.value) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({
        'value_count': sniffed.value_count,
        'unparsed_count': sniffed.unparsed_count,
        'decimal_comma_count': counts.comma,
        'clear_decimal_comma_count': counts.clear_comma,
        'decimal_point_count': counts.point,
        'comma_samples': kinds.comma[:3],
        'point_samples': kinds.point[:3],
        'comma_evidence': kinds.evidence[0] if kinds.evidence else none,
    }) }}
{%- endmacro %}
