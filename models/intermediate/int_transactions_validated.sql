-- One row per raw transaction row with its reject_reason (null = usable).
-- Reasons are checked in a fixed order and the first that applies wins.
-- Independent of the as-of date, so a later issue can make it incremental;
-- rows after the as-of date are set aside in marts.transaction_rejects.
-- Amounts are converted to the reporting currency (var reporting_currency,
-- else the file's most common one) with var currency_rates; a row in another
-- currency without a rate is rejected, never added up unconverted.

{%- set run_date = var('run_date') | string | trim %}

with transactions as (

    select * from {{ ref('stg_raw__transactions') }}

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
    select
        coalesce(
            nullif('{{ var('reporting_currency') | upper }}', ''),
            (
                select transactions.currency
                from transactions
                where transactions.currency is not null
                group by transactions.currency
                order by count(*) desc, transactions.currency
                limit 1
            )
        ) as reporting_currency

),

currency_rates as (

    {{ currency_rates_relation(var('currency_rates')) }}

),

copies_numbered as (

    -- exact duplicate lines: every raw column identical; the first copy is kept
    select
        transactions.*,
        cast(transactions.ordered_at as date) as ordered_date,
        row_number() over (
            partition by
                customer_id_raw, order_id_raw, line_id_raw, ordered_at_raw, amount_raw,
                quantity_raw, product_id_raw, currency_raw, cost_raw
            order by source_file, source_row_number
        ) as copy_number
    from transactions

),

converted as (

    select
        copies_numbered.*,
        reporting_currency.reporting_currency,
        case
            when copies_numbered.currency is null
                or copies_numbered.currency = reporting_currency.reporting_currency then cast(1 as {{ exchange_rate_type() }})
            else currency_rates.rate_to_reporting_currency
        end as exchange_rate
    from copies_numbered
    cross join reporting_currency
    left join currency_rates
        on copies_numbered.currency = currency_rates.currency

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

)

select * from validated
