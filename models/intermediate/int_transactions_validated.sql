-- One row per raw transaction row with its reject_reason (null = usable).
-- Reasons are checked in a fixed order and the first that applies wins.
-- Independent of the as-of date; rows after the as-of date are set aside in
-- marts.transaction_rejects.
-- Amounts are converted to the reporting currency (var reporting_currency,
-- else the file's most common one) with var currency_rates; a row in another
-- currency without a rate is rejected, never added up unconverted.
--
-- Incremental by file: a build reads only the files of the feed it has not
-- loaded yet (macros/sources/transactions_load_plan.sql says when it reads
-- everything again: a changed or removed file, a changed setting, a changed
-- reporting currency). A new row that repeats a row already loaded is its
-- duplicate_line: the copy loaded first is kept. The table is the one typed
-- copy of the transactions that the models, checks and freshness read; the
-- raw files are read once.
{{ transactions_load_config() }}
-- depends_on: {{ ref('stg_raw__transactions') }}

{%- set run_date = var('run_date') | string | trim %}
{%- set plan = transactions_load_plan() %}
{%- set raw_columns = [
    'customer_id_raw', 'order_id_raw', 'line_id_raw', 'ordered_at_raw', 'amount_raw',
    'quantity_raw', 'product_id_raw', 'currency_raw', 'cost_raw'
] %}
{%- set file_versions = source_file_versions(var('transactions_path')) if execute else {} %}

with transactions as (

    {% if plan.mode == 'append' -%}
    {{ transactions_staged(plan.files) }}
    {%- else -%}
    select * from {{ ref('stg_raw__transactions') }}
    {%- endif %}

),

plausible_window as (

    select
        {{ date_literal(var('min_plausible_date')) }} as min_plausible_date,
        {{ add_days(
            date_literal(run_date) if run_date != '' else date_literal(run_started_at.strftime('%Y-%m-%d')),
            var('future_tolerance_days')
        ) }} as max_plausible_date

),

reporting_currency as (

    -- var reporting_currency, else the most common currency of the file(s)
    -- (an incremental load keeps the loaded rows' one: the plan reads
    -- everything again when the new files would change it)
    select
        coalesce(
            nullif('{{ var('reporting_currency') | upper }}', ''),
            {%- if plan.mode == 'append' %}
            {{ "'" ~ plan.reporting_currency ~ "'" if plan.reporting_currency is not none else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            {%- else %}
            (
                select transactions.currency
                from transactions
                where transactions.currency is not null
                group by transactions.currency
                order by count(*) desc, transactions.currency
                limit 1
            )
            {%- endif %}
        ) as reporting_currency

),

currency_rates as (

    {{ currency_rates_relation(var('currency_rates')) }}

),

lines_hashed as (

    select
        transactions.*,
        cast(transactions.ordered_at as date) as ordered_date,
        {{ hash_columns(raw_columns) }} as line_hash
    from transactions

),

repeated_lines as (

    -- candidates for exact duplicates: a hash seen twice in this load, or
    -- already loaded (the columns themselves are compared below)
    select line_hash
    from lines_hashed
    group by line_hash
    having count(*) > 1
    {%- if plan.mode == 'append' %}

    union

    select loaded.line_hash
    from {{ this }} as loaded
    inner join (select distinct line_hash from lines_hashed) as new_lines
        on loaded.line_hash = new_lines.line_hash
    {%- endif %}

),

copy_candidates as (

    select
        source_file,
        source_row_number,
        {{ raw_columns | join(',\n        ') }},
        1 as load_order
    from lines_hashed
    where line_hash in (select line_hash from repeated_lines)
    {%- if plan.mode == 'append' %}

    union all

    select
        source_file,
        source_row_number,
        {{ raw_columns | join(',\n        ') }},
        0 as load_order
    from {{ this }}
    where line_hash in (select line_hash from repeated_lines)
    {%- endif %}

),

copies_numbered as (

    -- exact duplicate lines: every raw column identical; the first copy is
    -- kept (rows already loaded come first, then file and row order)
    select
        source_file,
        source_row_number,
        load_order,
        row_number() over (
            partition by {{ raw_columns | join(', ') }}
            order by load_order, source_file, source_row_number
        ) as copy_number
    from copy_candidates

),

lines_numbered as (

    select
        lines_hashed.*,
        coalesce(copies_numbered.copy_number, 1) as copy_number
    from lines_hashed
    left join copies_numbered
        on lines_hashed.source_file = copies_numbered.source_file
        and lines_hashed.source_row_number = copies_numbered.source_row_number
        and copies_numbered.load_order = 1

),

converted as (

    select
        lines_numbered.*,
        reporting_currency.reporting_currency,
        case
            when lines_numbered.currency is null
                or lines_numbered.currency = reporting_currency.reporting_currency then cast(1 as {{ exchange_rate_type() }})
            else currency_rates.rate_to_reporting_currency
        end as exchange_rate
    from lines_numbered
    cross join reporting_currency
    left join currency_rates
        on lines_numbered.currency = currency_rates.currency

),

validated as (

    select
        converted.*,
        case
            when converted.customer_id is null then 'missing_customer_id'
            when converted.order_id is null then 'missing_order_id'
            when converted.ordered_at is null then 'unparseable_ordered_at'
            when converted.amount is null then 'unparseable_amount'
            when converted.quantity is null and converted.quantity_raw is not null
                and converted.quantity_raw != '' then 'unparseable_quantity'
            when converted.cost is null and converted.cost_raw is not null
                and converted.cost_raw != '' then 'unparseable_cost'
            when converted.exchange_rate is null then 'currency_without_rate'
            {%- if not var('zero_amount_day_is_occasion') %}
            when converted.amount = 0 then 'zero_amount'
            {%- endif %}
            when converted.ordered_date > plausible_window.max_plausible_date then 'ordered_at_in_future'
            when converted.ordered_date < plausible_window.min_plausible_date then 'ordered_at_before_min_plausible_date'
            when converted.copy_number > 1 then 'duplicate_line'
        end as reject_reason,
        cast(converted.amount * converted.exchange_rate as {{ dbt.type_numeric() }}) as amount_in_reporting_currency,
        cast(converted.cost * converted.exchange_rate as {{ dbt.type_numeric() }}) as cost_in_reporting_currency
    from converted
    cross join plausible_window

),

file_versions as (

    {% if file_versions -%}
    select source_file, source_file_version
    from (values
        {%- for file, version in file_versions.items() %}
        ('{{ file | replace("'", "''") }}', '{{ version }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as versions (source_file, source_file_version)
    {%- else -%}
    select cast(null as {{ dbt.type_string() }}) as source_file, cast(null as {{ dbt.type_string() }}) as source_file_version
    where 1 = 0
    {%- endif %}

),

loaded as (

    -- what the next incremental build compares with the feed
    select
        validated.*,
        file_versions.source_file_version,
        cast('{{ transactions_load_settings_hash() }}' as {{ dbt.type_string() }}) as load_settings_hash,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as load_invocation_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }}) as loaded_at
    from validated
    left join file_versions on validated.source_file = file_versions.source_file

)

select * from loaded
