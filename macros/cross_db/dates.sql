{#-
    Date and timestamp helpers that differ between warehouses. Everything
    else uses dbt's cross-database macros (dbt.datediff, dbt.dateadd, ...).
-#}

{#-
    Text -> local timestamp in the business time zone (var business_timezone).
    Text with a UTC offset (Z, +02:00, -0500) is converted to the business time
    zone; text without one is taken as local time already. ISO 8601 first, then
    each strptime format of var('timestamp_formats'). Unparseable text -> null.
-#}
{% macro parse_local_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('parse_local_timestamp', 'retention')(text_expr)) }}
{%- endmacro %}

{#- Text ending in a UTC offset after a time of day ('10:00Z', '10:00:00+02:00',
    '10:00-0500'): a date alone ('2024-01-05') ends in digits that only look like one. -#}
{% macro utc_offset_pattern() -%}
    [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$
{%- endmacro %}

{% macro duckdb__parse_local_timestamp(text_expr) -%}
    case
        when regexp_matches({{ text_expr }}, '{{ utc_offset_pattern() }}')
            then timezone('{{ var("business_timezone") }}', try_cast({{ text_expr }} as timestamptz))
        else coalesce(
            try_cast({{ text_expr }} as timestamp),
            try_strptime({{ text_expr }}, [
                {%- for fmt in var('timestamp_formats') -%}'{{ fmt }}'{{ ', ' if not loop.last }}{%- endfor -%}
            ])
        )
    end
{%- endmacro %}


{#- Spark: no strptime; a cast reads ISO 8601 with an offset (as UTC, the
    session's time zone), each format of var timestamp_formats goes through
    strptime_to_java. A plain cast also accepts '2024' or '2024-1-5': only
    text shaped like ISO 8601 is cast, as DuckDB's cast would. -#}
{% macro spark__parse_local_timestamp(text_expr) -%}
    case
        when {{ text_expr }} rlike '{{ utc_offset_pattern() }}'
            then from_utc_timestamp(try_cast({{ text_expr }} as timestamp), '{{ var("business_timezone") }}')
        else coalesce(
            case
                when {{ text_expr }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$'
                    then try_cast({{ text_expr }} as timestamp)
            end
            {%- for fmt in var('timestamp_formats') %},
            try_to_timestamp({{ text_expr }}, "{{ strptime_to_java(fmt) }}")
            {%- endfor %}
        )
    end
{%- endmacro %}

{#- A strptime format ('%d/%m/%Y %H:%M') as a Java date-time pattern
    ('d/M/yyyy H:mm'): fields that touch another field get their full width
    ('%Y%m%d' -> 'yyyyMMdd'), others accept one or two digits as strptime does;
    letters outside fields are quoted; a directive it does not know stops the
    run. Two-digit years differ: Java reads '99' as 2099, DuckDB as 1999. -#}
{% macro strptime_to_java(fmt) -%}
    {%- set fields = {'Y': 'yyyy', 'y': 'yy', 'm': 'M', 'd': 'd', 'H': 'H', 'I': 'h', 'M': 'm', 'S': 's',
                      'f': 'SSSSSS', 'p': 'a', 'b': 'MMM', 'B': 'MMMM', 'j': 'D'} -%}
    {%- set parts = [] -%}
    {%- set state = {'escape': false} -%}
    {%- for character in fmt -%}
        {%- if state.escape -%}
            {%- if character not in fields -%}
                {{ exceptions.raise_compiler_error(
                    "timestamp_formats: '%" ~ character ~ "' in '" ~ fmt ~ "' has no Spark equivalent here "
                    ~ "(macros/cross_db/dates.sql strptime_to_java knows %" ~ (fields.keys() | join(', %')) ~ ")."
                ) }}
            {%- endif -%}
            {%- do parts.append({'field': fields[character]}) -%}
            {%- do state.update({'escape': false}) -%}
        {%- elif character == '%' -%}
            {%- do state.update({'escape': true}) -%}
        {%- else -%}
            {%- do parts.append({'text': character}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for part in parts -%}
        {%- if 'field' in part -%}
            {%- set touching = (not loop.first and 'field' in parts[loop.index0 - 1])
                               or (not loop.last and 'field' in parts[loop.index0 + 1]) -%}
            {%- set pattern = part.field -%}
            {%- if touching and pattern | length == 1 and pattern in 'MdHhms' -%}{%- set pattern = pattern ~ pattern -%}{%- endif -%}
            {{- pattern -}}
        {%- elif part.text.isalpha() -%}
            '{{ part.text }}'
        {%- else -%}
            {{- part.text -}}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{#- date_expr + days_expr whole days, as a date. -#}
{% macro add_days(date_expr, days_expr) -%}
    cast({{ dbt.dateadd('day', days_expr, date_expr) }} as date)
{%- endmacro %}


{#- A date literal from text such as '2026-06-30'. -#}
{% macro date_literal(text) -%}
    cast('{{ text }}' as date)
{%- endmacro %}
