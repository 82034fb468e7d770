-- One row per load that passed the blocking rules (the tests on
-- int_transactions_validated run before this model in `dbt build`): when
-- and which file, its raw and usable rows. The row-count rule
-- (macros/definitions/transaction_guards.sql) compares the next load with
-- the latest row that is not bundled sample data (var transactions_is_sample).
-- Appended on every build; a --full-refresh starts it anew.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns') }}

with validated as (

    select * from {{ ref('int_transactions_validated') }}

),

load_recorded as (

    select
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as invocation_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as loaded_at,
        cast('{{ var("transactions_path") }}' as {{ dbt.type_string() }}) as transactions_path,
        {{ 'true' if var('transactions_is_sample') else 'false' }} as is_sample_data,
        count(*) as count_raw_rows,
        sum(case when reject_reason is null then 1 else 0 end) as count_usable_rows
    from validated

)

select * from load_recorded
