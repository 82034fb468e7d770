{#-
    The blocking rules on a transactions load: one definition each, run by
    dbt as error-severity tests on int_transactions_validated
    (tests/dbt/assert_transactions_*.sql). `dbt build` runs them right after
    that model and before anything below it, so a load that breaks a rule
    stops every mart at its last good state, whichever way the project runs
    (plain dbt, the main job, the Dagster UI, where they show as failed
    checks on int_transactions_validated).

    Each rule is a query that returns one row when the load breaks it, and a
    message that names the file, says what was seen (counts, three sample
    raw values) and which var would fix it. guard_test() runs the query at
    execution time and raises that message; when the rule holds, the test's
    own query returns no row.
-#}

{#- Reasons that mean a row is broken (rather than set aside on purpose, as
    duplicate_line and zero_amount are): these count against
    min_usable_row_share. currency_without_rate has a rule of its own
    (rule 2), so one cause gives one message. -#}
{% macro transaction_unusable_reasons() -%}
    {{ return([
        'missing_customer_id', 'missing_order_id', 'unparseable_ordered_at', 'unparseable_amount',
        'unparseable_quantity', 'unparseable_cost', 'ordered_at_in_future',
        'ordered_at_before_min_plausible_date'
    ]) }}
{%- endmacro %}

{#- For each reason: the raw column to show samples of, and what to do about it. -#}
{% macro transaction_reject_fixes() -%}
    {{ return({
        'missing_customer_id': ['customer_id_raw', "map your customer column: --vars '{transactions_columns: {customer_id: <your column>}}'"],
        'missing_order_id': ['order_id_raw', "map your order column: --vars '{transactions_columns: {order_id: <your column>}}'"],
        'unparseable_ordered_at': ['ordered_at_raw', "name the date format: --vars '{timestamp_formats: [\"%d/%m/%Y\"]}' (day first) or [\"%m/%d/%Y\"] (month first)"],
        'unparseable_amount': ['amount_raw', "for decimal commas set --vars '{transactions_decimal_separator: \",\"}'; remove thousands separators and currency signs otherwise"],
        'unparseable_quantity': ['quantity_raw', "for decimal commas set --vars '{transactions_decimal_separator: \",\"}'"],
        'unparseable_cost': ['cost_raw', "for decimal commas set --vars '{transactions_decimal_separator: \",\"}'"],
        'ordered_at_in_future': ['ordered_at_raw', "check var business_timezone, or var run_date / future_tolerance_days when the run date is not today"],
        'ordered_at_before_min_plausible_date': ['ordered_at_raw', "lower var min_plausible_date if such old orders are real"],
    }) }}
{%- endmacro %}


{#-
    Run a rule: when failures_sql returns a row, stop with the message
    message_macro builds from it (a macro, called only then, with the first
    failing row as a dict); otherwise emit failures_sql as the test's query
    (no rows: the rule holds).
-#}
{% macro guard_test(failures_sql, message_macro) -%}
    {%- if execute -%}
        {%- set failing = run_query(failures_sql) -%}
        {%- if failing.rows | length > 0 -%}
            {%- set row = {} -%}
            {%- for name in failing.column_names -%}
                {%- do row.update({name: failing.rows[0][name]}) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                message_macro(row)
                ~ " Nothing below int_transactions_validated was rebuilt: the marts keep their last good state."
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ failures_sql }}
{%- endmacro %}


{#- Up to three distinct raw values of a column among the rows meeting a condition, quoted, with their first row. -#}
{% macro transaction_samples(column, condition) -%}
    {%- set sample_sql -%}
        select {{ column }} as sample_value, min(source_row_number) as source_row_number
        from {{ ref('int_transactions_validated') }}
        where {{ condition }}
        group by 1
        order by 2
        limit 3
    {%- endset -%}
    {%- set samples = [] -%}
    {%- for sample in run_query(sample_sql).rows -%}
        {%- do samples.append("'" ~ (sample[0] if sample[0] is not none else '') ~ "' (row " ~ sample[1] ~ ")") -%}
    {%- endfor -%}
    {{ return(samples | join(', ')) }}
{%- endmacro %}


{#- Rule 1: the share of usable rows, and nothing usable at all. -#}
{% macro transactions_usable_failures() -%}
    with validated as (

        select * from {{ ref('int_transactions_validated') }}

    ),

    counted as (

        select
            count(*) as count_rows,
            sum(case when reject_reason is null then 1 else 0 end) as count_usable_rows,
            sum(case when reject_reason in (
                {%- for reason in transaction_unusable_reasons() %}'{{ reason }}'{{ ', ' if not loop.last }}{% endfor -%}
            ) then 1 else 0 end) as count_unusable_rows
        from validated

    )

    select *
    from counted
    where count_rows > 0
        and (count_usable_rows = 0 or count_unusable_rows > (1 - {{ var('min_usable_row_share') }}) * count_rows)
{%- endmacro %}

{% macro transactions_usable_message(row) -%}
    {%- set reasons_sql -%}
        select reject_reason, count(*) as count_rows
        from {{ ref('int_transactions_validated') }}
        where reject_reason is not null
        group by 1
        order by 2 desc, 1
    {%- endset -%}
    {%- set reasons = run_query(reasons_sql).rows -%}
    {%- set fixes = transaction_reject_fixes() -%}
    {%- set counts = [] -%}
    {%- for reason in reasons -%}
        {%- do counts.append(reason[0] ~ ' ' ~ reason[1]) -%}
    {%- endfor -%}
    {%- set top = [] -%}
    {%- for reason in reasons if reason[0] in transaction_unusable_reasons() -%}
        {%- do top.append(reason[0]) -%}
    {%- endfor -%}
    {%- set lines = [
        "transactions file '" ~ var('transactions_path') ~ "': " ~ row['count_usable_rows'] ~ " of "
        ~ row['count_rows'] ~ " rows are usable, "
        ~ ("none at all." if row['count_usable_rows'] == 0 else "fewer than var min_usable_row_share ("
           ~ var('min_usable_row_share') ~ ") requires.")
        ~ " Rejected rows per reason: " ~ (counts | join(', ')) ~ "."
    ] -%}
    {%- if top | length > 0 -%}
        {%- set column, fix = fixes[top[0]] -%}
        {%- do lines.append(
            " Most are " ~ top[0] ~ ", e.g. " ~ column[:-4] ~ " " ~ transaction_samples(column, "reject_reason = '" ~ top[0] ~ "'")
            ~ ". To fix: " ~ fix ~ "."
        ) -%}
    {%- endif -%}
    {%- do lines.append(" To accept such a file as it is, lower var min_usable_row_share.") -%}
    {{ return(lines | join('')) }}
{%- endmacro %}


{#- Rule 2: rows in a currency that has no rate to the reporting currency. -#}
{% macro transaction_currencies_failures() -%}
    with validated as (

        select * from {{ ref('int_transactions_validated') }}

    ),

    without_rate as (

        select
            max(reporting_currency) as reporting_currency,
            count(*) as count_rows,
            count(distinct currency) as count_currencies
        from validated
        where reject_reason = 'currency_without_rate'

    )

    select * from without_rate
    where count_rows > 0
{%- endmacro %}

{% macro transaction_currencies_message(row) -%}
    {%- set currencies_sql -%}
        select currency, count(*) from {{ ref('int_transactions_validated') }}
        where reject_reason = 'currency_without_rate' group by 1 order by 2 desc, 1
    {%- endset -%}
    {%- set listed = [] -%}
    {%- for currency in run_query(currencies_sql).rows -%}
        {%- do listed.append(currency[0] ~ ' (' ~ currency[1] ~ ' rows)') -%}
    {%- endfor -%}
    {{ return(
        "transactions file '" ~ var('transactions_path') ~ "' has amounts in " ~ (listed | join(', '))
        ~ " besides the reporting currency " ~ row['reporting_currency']
        ~ ", with no rate to convert them: amounts in several currencies are never added up."
        ~ " Give a rate per currency (amount x rate = amount in the reporting currency): --vars '{reporting_currency: "
        ~ row['reporting_currency'] ~ ", currency_rates: {<code>: <rate>}}'."
    ) }}
{%- endmacro %}


{#- Rule 3: amounts beyond var max_plausible_amount (a unit or decimal-separator error). -#}
{% macro transaction_amounts_failures() -%}
    with validated as (

        select * from {{ ref('int_transactions_validated') }}

    ),

    counted as (

        select
            count(*) as count_rows,
            sum(case when abs(amount) > {{ var('max_plausible_amount') }} then 1 else 0 end) as count_implausible_rows
        from validated

    )

    select * from counted
    where count_implausible_rows > {{ var('max_implausible_amount_share') }} * count_rows
{%- endmacro %}

{% macro transaction_amounts_message(row) -%}
    {{ return(
        "transactions file '" ~ var('transactions_path') ~ "': " ~ row['count_implausible_rows'] ~ " of "
        ~ row['count_rows'] ~ " amounts are beyond var max_plausible_amount (" ~ var('max_plausible_amount')
        ~ "), e.g. amount " ~ transaction_samples('amount_raw', 'abs(amount) > ' ~ var('max_plausible_amount'))
        ~ ": usually cents read as units or a decimal separator read as a thousands separator"
        ~ " (var transactions_decimal_separator). If such amounts are real, raise var max_plausible_amount."
    ) }}
{%- endmacro %}


{#- Rule 4: the load collapsed against the last good load of real data
    (intermediate.int_transaction_loads_recorded; bundled sample data never counts). -#}
{% macro transaction_row_count_failures() -%}
    {%- set loads = adapter.get_relation(
        database=target.database, schema='intermediate', identifier='int_transaction_loads_recorded'
    ) if execute else none -%}
    with validated as (

        select count(*) as count_rows from {{ ref('int_transactions_validated') }}

    ),

    last_good_load as (

        {% if loads is not none -%}
        select count_raw_rows as last_count_rows, loaded_at as last_loaded_at, transactions_path as last_path
        from {{ loads }}
        where not coalesce(is_sample_data, false)
        order by loaded_at desc
        limit 1
        {%- else -%}
        select cast(null as bigint) as last_count_rows, cast(null as timestamp) as last_loaded_at,
            cast(null as {{ dbt.type_string() }}) as last_path
        where 1 = 0
        {%- endif %}

    )

    select validated.count_rows, last_good_load.last_count_rows, last_good_load.last_loaded_at,
        last_good_load.last_path
    from validated
    cross join last_good_load
    where validated.count_rows < {{ var('min_row_count_ratio') }} * last_good_load.last_count_rows
{%- endmacro %}

{% macro transaction_row_count_message(row) -%}
    {{ return(
        "transactions file '" ~ var('transactions_path') ~ "' has " ~ row['count_rows'] ~ " rows, fewer than var "
        ~ "min_row_count_ratio (" ~ var('min_row_count_ratio') ~ ") x the " ~ row['last_count_rows']
        ~ " rows of the last good load (" ~ row['last_loaded_at'] ~ ", '" ~ row['last_path'] ~ "')"
        ~ ": a partial feed would replace the marts with a fraction of the customers. If the file is"
        ~ " right (a new history, a pruned feed), run once with --vars '{min_row_count_ratio: 0}'."
    ) }}
{%- endmacro %}
