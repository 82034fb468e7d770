{#-
    The as-of dates a run computes, from vars:
      as_of_date_start + as_of_date_end  an inclusive range (a backfill, or a
                                         Dagster partition window)
      as_of_date                         a single day
      none of them                       the latest usable transaction date
    A Dagster run passes its partition window as the environment variables
    RETENTION_AS_OF_DATE_START / _END instead (a var, when given, wins): its
    two dbt invocations then have the same vars, so the second starts from
    the first one's saved parse and dbt re-parses only the one model that
    reads the window (orchestration/dbt_parse_cache.py).
    Returns {'start': SQL date expression or none, 'count_days': int}; start
    none means "the latest usable transaction date".
-#}
{% macro as_of_date_range() -%}
    {%- set start = (var('as_of_date_start', '') | string | trim) or (env_var('RETENTION_AS_OF_DATE_START', '') | trim) -%}
    {%- set end = (var('as_of_date_end', '') | string | trim) or (env_var('RETENTION_AS_OF_DATE_END', '') | trim) -%}
    {%- set single = var('as_of_date') | string | trim -%}
    {%- if (start == '') != (end == '') -%}
        {{ exceptions.raise_compiler_error("vars as_of_date_start and as_of_date_end go together; got start '" ~ start ~ "', end '" ~ end ~ "'") }}
    {%- endif -%}
    {%- if start != '' -%}
        {%- set start_day = modules.datetime.date.fromisoformat(start) -%}
        {%- set end_day = modules.datetime.date.fromisoformat(end) -%}
        {%- set count_days = (end_day - start_day).days + 1 -%}
        {%- if count_days < 1 or count_days > max_as_of_days() -%}
            {{ exceptions.raise_compiler_error("as_of_date_end must be on or after as_of_date_start and the range at most " ~ max_as_of_days() ~ " days; got " ~ start ~ " to " ~ end) }}
        {%- endif -%}
        {{ return({'start': date_literal(start), 'count_days': count_days}) }}
    {%- elif single != '' -%}
        {%- do modules.datetime.date.fromisoformat(single) -%}
        {{ return({'start': date_literal(single), 'count_days': 1}) }}
    {%- else -%}
        {{ return({'start': none, 'count_days': 1}) }}
    {%- endif -%}
{%- endmacro %}

{#- The longest as-of range one run may compute (the day offsets come from a 4-digit counter). -#}
{% macro max_as_of_days() -%}
    {{ return(9998) }}
{%- endmacro %}
