{#-
    What an incremental build of int_transactions_validated reads and
    deletes: the files of the feed it has not loaded yet, nothing else, as
    long as what it loaded before is still exactly what the feed holds.

    A dict:
    - mode: 'full' (a first build or --full-refresh: every file, a new
      table), 'reload' (an incremental build that must start over: every
      file, after deleting every row) or 'append' (only `files`);
    - files: the files to read in 'append' mode (new ones, and loaded ones
      with rows rejected as ordered_at_in_future: those are read again, since
      the run date moves on); none in the other modes (every file);
    - delete_files: the files whose rows are deleted before 'append' inserts;
    - reporting_currency: in 'append' mode, the reporting currency of the
      loaded rows (unchanged by the new files, or the mode would be 'reload');
    - reason: why, in words, for the log.

    It starts over ('reload') when a setting that changes how a row reads
    (load_settings_hash) differs from the one the loaded rows were read with,
    when a loaded file is gone from the feed or has another size or
    modification time (source_file_versions), when the new files would
    change the reporting currency (var reporting_currency empty: the most
    common currency), or when the table predates these columns. A daily feed
    of new files therefore reads one file a day, and anything else reads
    everything, as a full build would.

    Only at execution time; at parse time, and in unit tests, the mode is
    'full'.
-#}
{% macro transactions_load_plan() -%}
    {%- set plan = {'mode': 'full', 'files': none, 'delete_files': [], 'reporting_currency': none, 'reason': 'first build'} -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set loaded_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'load_settings_hash' not in loaded_columns or 'line_hash' not in loaded_columns or 'loaded_at' not in loaded_columns -%}
        {%- do plan.update({'mode': 'reload', 'reason': 'the table was built before incremental loading'}) -%}
        {{ return(plan) }}
    {%- endif -%}

    {%- set versions = source_file_versions(var('transactions_path')) -%}
    {%- set loaded_sql -%}
        select
            source_file,
            min(source_file_version) as source_file_version,
            min(load_settings_hash) as first_settings_hash,
            max(load_settings_hash) as last_settings_hash,
            max(case when reject_reason = 'ordered_at_in_future' then 1 else 0 end) as has_future_rows,
            min(reporting_currency) as reporting_currency
        from {{ this }}
        group by source_file
    {%- endset -%}
    {%- set loaded = run_query(loaded_sql) -%}
    {%- set settings_hash = transactions_load_settings_hash() -%}
    {%- set loaded_files = [] -%}
    {%- set future_files = [] -%}
    {%- set currencies = [] -%}
    {%- for row in loaded.rows -%}
        {%- do loaded_files.append(row[0]) -%}
        {%- if row[2] != settings_hash or row[3] != settings_hash -%}
            {%- do plan.update({'mode': 'reload', 'reason': 'a setting that changes how rows read has changed since ' ~ row[0] ~ ' was loaded'}) -%}
        {%- elif row[0] not in versions -%}
            {%- do plan.update({'mode': 'reload', 'reason': row[0] ~ ' is no longer in the feed'}) -%}
        {%- elif versions[row[0]] != row[1] -%}
            {%- do plan.update({'mode': 'reload', 'reason': row[0] ~ ' changed since it was loaded (' ~ row[1] ~ ', now ' ~ versions[row[0]] ~ ')'}) -%}
        {%- endif -%}
        {%- if row[4] == 1 -%}
            {%- do future_files.append(row[0]) -%}
        {%- endif -%}
        {%- if row[5] is not none and row[5] not in currencies -%}
            {%- do currencies.append(row[5]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if plan.mode == 'reload' -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- if currencies | length > 1 -%}
        {%- do plan.update({'mode': 'reload', 'reason': 'the loaded rows have more than one reporting currency'}) -%}
        {{ return(plan) }}
    {%- endif -%}

    {%- set new_files = [] -%}
    {%- for file in versions if file not in loaded_files -%}
        {%- do new_files.append(file) -%}
    {%- endfor -%}
    {%- set files = new_files + future_files -%}
    {%- set loaded_currency = currencies[0] if currencies else none -%}
    {%- if files and (var('reporting_currency') | trim) == '' -%}
        {#- the most common currency over the rows kept and the files read, as a full build would count it -#}
        {%- set currency_sql -%}
            with counted as (
                select currency from {{ this }}
                {%- if future_files %}
                where source_file not in ({% for file in future_files %}'{{ file | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %})
                {%- endif %}
                union all
                select currency from ({{ transactions_staged(files) }}) as new_rows
            )
            select currency from counted
            where currency is not null
            group by currency
            order by count(*) desc, currency
            limit 1
        {%- endset -%}
        {%- set result = run_query(currency_sql).rows -%}
        {%- set new_currency = result[0][0] if result | length > 0 else none -%}
        {%- if new_currency != loaded_currency -%}
            {%- do plan.update({'mode': 'reload', 'reason': 'the new files change the most common currency from '
                ~ loaded_currency ~ ' to ' ~ new_currency}) -%}
            {{ return(plan) }}
        {%- endif -%}
    {%- endif -%}
    {%- do plan.update({
        'mode': 'append',
        'files': files,
        'delete_files': future_files,
        'reporting_currency': loaded_currency,
        'reason': (new_files | length) ~ ' new file(s)'
            ~ (', ' ~ (future_files | length) ~ ' file(s) with rows in the future read again' if future_files else ''),
    }) -%}
    {{ return(plan) }}
{%- endmacro %}


{#-
    A hash of every setting that changes how a transaction row reads or is
    judged; rows read under other settings are read again (mode 'reload').
    var run_date is not in it (it moves every day): rows rejected as
    ordered_at_in_future are read again on every build instead.
-#}
{% macro transactions_load_settings_hash() -%}
    {%- set settings = {} -%}
    {%- for name in [
        'transactions_path', 'transactions_columns', 'transactions_delimiter', 'transactions_decimal_separator',
        'transactions_encoding', 'timestamp_formats', 'business_timezone', 'customer_id_case',
        'reporting_currency', 'currency_rates', 'min_plausible_date', 'future_tolerance_days',
        'zero_amount_day_is_occasion'
    ] -%}
        {%- do settings.update({name: var(name)}) -%}
    {%- endfor -%}
    {{ return(local_md5(tojson(settings, sort_keys=true))) }}
{%- endmacro %}


{#- The pre-hook of int_transactions_validated: delete what the plan reads again. -#}
{% macro transactions_load_delete() -%}
    {%- set plan = transactions_load_plan() -%}
    {%- do log("int_transactions_validated: " ~ plan.mode ~ " (" ~ plan.reason ~ ")", info=true) if execute -%}
    {%- if plan.mode == 'reload' -%}
        delete from {{ this }}
    {%- elif plan.mode == 'append' and plan.delete_files -%}
        delete from {{ this }}
        where source_file in ({% for file in plan.delete_files %}'{{ file | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}


{#-
    The config of int_transactions_validated: rows appended per load, and a
    pre-hook that deletes what is read again (transactions_load_delete).
    Spark (Parquet tables, no DELETE without Delta or Iceberg): a table that
    reads every file on every run: the same rows.
-#}
{% macro transactions_load_config() -%}
    {{ return(adapter.dispatch('transactions_load_config', 'retention')()) }}
{%- endmacro %}

{% macro default__transactions_load_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ transactions_load_delete() }}"
    ) }}
{%- endmacro %}

{% macro spark__transactions_load_config() -%}
    {{ config(materialized='table', file_format='parquet') }}
{%- endmacro %}
