{#-
    on-run-start guard: stop the run, before any model is replaced, when the
    transactions file is missing or lacks a required column. The message names
    the file and the column. An empty file or a header without rows stops it
    too. The optional customers, service-costs and churn-reasons files, when configured, must
    exist and have their required columns. (Unreadable files, or files in another encoding than var
    transactions_encoding, fail here too, with the database's own message
    naming the file and the line.) A file read with the wrong delimiter, or
    whose dates or amounts mostly do not parse in the configured formats,
    stops it with what the file looks like and the var to set
    (check_transactions_values; macros/sources/sniff_transactions.sql).
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
                    ~ "). Its columns are: " ~ (present | join(', ')) ~ ". "
                    ~ (delimiter_hint(present) or "Map yours with --vars '{transactions_columns: {" ~ column ~ ": <your column>}}'.")
                    ~ (" The file was read as a single column: check its delimiter and quoting, and that it"
                       ~ " is complete (a last row cut short also defeats the column detection)."
                       if present | length == 1 else "")
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- do check_transactions_values(path, mapping) -%}
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


{#-
    The delimiter advice for a transactions file whose column names still
    hold a delimiter (read whole, or split at the wrong character): which var
    to set; '' when they hold none. A comma while the sniffer chose the
    delimiter says nothing: the sniffer tries the comma first, so its failure
    lies in the quoting or a cut-off row (the single-column advice).
-#}
{% macro delimiter_hint(column_names) -%}
    {%- set configured = var('transactions_delimiter') | string -%}
    {%- set found = sniff_header_delimiter(column_names) -%}
    {%- if found is none or (found.var == ',' and configured == '') or configured in [found.var, found.character] -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(
        "It looks " ~ found.name ~ " (" ~ found.shown ~ " in its header)"
        ~ (", but var transactions_delimiter is '" ~ configured ~ "'" if configured != '' else "")
        ~ ": set --vars '{transactions_delimiter: \"" ~ found.var ~ "\"}'"
        ~ (" or leave it empty to have it detected." if configured != '' else ".")
    ) }}
{%- endmacro %}


{#-
    What the dates and amounts of the transactions file look like, on its
    first sniff_sample_rows() data rows: stops the run with one message that
    names the file and, per column that does not read (ordered_at, amount),
    three sample values, what they look like and the var to set (and all the
    vars together when both columns need one). A column does not read when
    more than half of its non-empty values parse neither as ISO 8601 nor with
    var timestamp_formats (ordered_at), or do not parse because they use the
    other decimal separator (amount; other unparseable amounts, 1,234.50 with
    the default ".", flow on to the blocking raw-data suite, which lists the
    rows). A day-month order is never guessed: when no first or second number
    above 12 tells it, both formats are named and the user picks. Var
    timestamp_formats listing both orders of one shape stops the run as well.
-#}
{% macro check_transactions_values(path, mapping) -%}
    {%- set formats = var('timestamp_formats') -%}
    {%- set both_orders = ambiguous_timestamp_formats(formats) -%}
    {%- if both_orders -%}
        {{ exceptions.raise_compiler_error(
            "var timestamp_formats lists both '" ~ both_orders[0] ~ "' and '" ~ both_orders[1] ~ "': a date whose "
            ~ "day and month are both 12 or less (03/01/2024) would be read in whichever comes first, a guess. "
            ~ "Keep only the one your transactions file '" ~ path ~ "' uses."
        ) }}
    {%- endif -%}
    {%- set findings = [
        ordered_at_finding(path, mapping.get('ordered_at', 'ordered_at') | lower, formats),
        amount_finding(path, mapping.get('amount', 'amount') | lower),
    ] | reject('none') | list -%}
    {%- if findings -%}
        {%- set settings = findings | map(attribute='setting') | reject('none') | list -%}
        {{ exceptions.raise_compiler_error(
            "transactions file '" ~ path ~ "' does not read with the configured formats: "
            ~ (findings | map(attribute='text') | join(' '))
            ~ (" Both together: --vars '{" ~ (settings | join(', ')) ~ "}'." if settings | length > 1 else "")
            ~ " Nothing was rebuilt, the marts keep their last good state."
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- 'a', 'b', 'c': up to three sample values, the evidence (when given) among them. -#}
{% macro quoted_samples(values, evidence=none) -%}
    {%- set picked = values[:3] -%}
    {%- if evidence is not none and evidence not in picked -%}
        {%- set picked = values[:2] + [evidence] -%}
    {%- endif -%}
    {{ return("'" ~ (picked | join("', '")) ~ "'") }}
{%- endmacro %}


{#- "ordered_at values (column 'order_ts') such as ": the start of a finding. -#}
{% macro values_label(logical_column, file_column) -%}
    {{ return(logical_column ~ " values" ~ (" (column '" ~ file_column ~ "')" if file_column != logical_column else "") ~ " such as ") }}
{%- endmacro %}


{#-
    Why the timestamps of file_column do not read, as {text, setting (the
    var to set, for --vars, or none)}; none when more than half of its
    sampled values parse. Day-month dates (03/01/2024, 01-15-24 14:30, ...)
    get the format of their order when a first (day-first) or second
    (month-first) number above 12 shows it, else both formats and no guess.
-#}
{% macro ordered_at_finding(path, file_column, formats) -%}
    {%- set dates = sniff_timestamps(path, file_column) -%}
    {%- if dates.unparsed_count * 2 <= dates.value_count -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set label = values_label('ordered_at', file_column) -%}
    {%- set count_note = " (" ~ dates.unparsed_count ~ " of the " ~ dates.value_count ~ " non-empty values in the first "
        ~ sniff_sample_rows() ~ " rows parse neither as ISO 8601 nor with var timestamp_formats)." -%}
    {%- if dates.shape is not none and dates.shape_count * 2 > dates.unparsed_count
        and dates.first_max <= 31 and dates.second_max <= 31 -%}
        {%- set day_first = dates.shape.replace('<1>', '%d').replace('<2>', '%m') -%}
        {%- set month_first = dates.shape.replace('<1>', '%m').replace('<2>', '%d') -%}
        {%- if dates.first_above_12 is not none and dates.second_above_12 is not none -%}
            {{ return({'setting': none, 'text':
                label ~ quoted_samples([dates.first_above_12, dates.second_above_12])
                ~ " mix day-first and month-first dates (a first number above 12 occurs, and a second one): no single"
                ~ " format reads them; export the dates in one order (ISO 8601: 2024-01-03)" ~ count_note
            }) }}
        {%- elif dates.first_above_12 is not none and day_first not in formats -%}
            {%- set setting = 'timestamp_formats: ["' ~ day_first ~ '"]' -%}
            {{ return({'setting': setting, 'text':
                label ~ quoted_samples(dates.shape_samples, dates.first_above_12)
                ~ " look like day-first dates (a first number above 12 occurs): set --vars '{" ~ setting ~ "}'" ~ count_note
            }) }}
        {%- elif dates.second_above_12 is not none and month_first not in formats -%}
            {%- set setting = 'timestamp_formats: ["' ~ month_first ~ '"]' -%}
            {{ return({'setting': setting, 'text':
                label ~ quoted_samples(dates.shape_samples, dates.second_above_12)
                ~ " look like month-first dates (a second number above 12 occurs): set --vars '{" ~ setting ~ "}'" ~ count_note
            }) }}
        {%- elif dates.first_above_12 is none and dates.second_above_12 is none -%}
            {{ return({'setting': none, 'text':
                label ~ quoted_samples(dates.shape_samples)
                ~ " are day-first or month-first dates and the order is ambiguous: no first or second number above 12"
                ~ " occurs in the first " ~ sniff_sample_rows() ~ " rows, so none is guessed. Set the one the file uses:"
                ~ " --vars '{timestamp_formats: [\"" ~ day_first ~ "\"]}' for day-first or"
                ~ " --vars '{timestamp_formats: [\"" ~ month_first ~ "\"]}' for month-first" ~ count_note
            }) }}
        {%- endif -%}
    {%- endif -%}
    {{ return({'setting': none, 'text':
        label ~ quoted_samples(dates.samples)
        ~ " parse neither as ISO 8601 nor with var timestamp_formats (now [\"" ~ (formats | join('", "')) ~ "\"]):"
        ~ " add their strptime format, e.g. --vars '{timestamp_formats: [\"%d %b %Y\"]}' for 03 Jan 2024" ~ count_note
    }) }}
{%- endmacro %}


{#-
    Why the amounts of file_column do not read, as {text, setting}; none when
    more than half of its sampled values parse, or when the unparsed ones do
    not look like the other decimal separator (the raw-data suite lists
    them), or for Parquet, whose numbers are typed.
-#}
{% macro amount_finding(path, file_column) -%}
    {%- if source_file_format(path) == 'parquet' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set separator = source_decimal_separator(path) -%}
    {%- set amounts = sniff_decimals(path, file_column, separator) -%}
    {%- if amounts.unparsed_count * 2 <= amounts.value_count -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set label = values_label('amount', file_column) -%}
    {%- set count_note = " (" ~ amounts.unparsed_count ~ " of the " ~ amounts.value_count ~ " non-empty values in the first "
        ~ sniff_sample_rows() ~ " rows are not numbers with the decimal separator '" ~ separator ~ "')." -%}
    {%- set comma = 'transactions_decimal_separator: ","' -%}
    {%- if separator == '.' and amounts.decimal_comma_count * 2 > amounts.unparsed_count
        and amounts.clear_decimal_comma_count > 0 -%}
        {{ return({'setting': comma, 'text':
            label ~ quoted_samples(amounts.comma_samples, amounts.comma_evidence)
            ~ " use a decimal comma: set --vars '{" ~ comma ~ "}'" ~ count_note
        }) }}
    {%- elif separator == '.' and amounts.decimal_comma_count * 2 > amounts.unparsed_count -%}
        {{ return({'setting': none, 'text':
            label ~ quoted_samples(amounts.comma_samples)
            ~ " have a comma before three digits: a decimal comma (set --vars '{" ~ comma ~ "}' and 1,234 reads as"
            ~ " 1.234) or a thousands separator, which is not read (export the amounts without it)" ~ count_note
        }) }}
    {%- elif separator == ',' and amounts.decimal_point_count * 2 > amounts.unparsed_count -%}
        {{ return({'setting': 'transactions_decimal_separator: "."', 'text':
            label ~ quoted_samples(amounts.point_samples)
            ~ " use a decimal point, but var transactions_decimal_separator is ',':"
            ~ " set --vars '{transactions_decimal_separator: \".\"}' (the default)" ~ count_note
        }) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
