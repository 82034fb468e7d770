{#-
    Incremental by customer: the customer-level models whose rows depend
    only on the customer's own history (int_customer_days_aggregated,
    int_purchase_occasions_numbered, int_customer_states_accumulated).
    A build recomputes only the customers with a row in a parent table
    written since this table was last built, and keeps every other row.

    The model declares itself, once, with

        {{ customer_changes_config(
            parents=[{'model': 'int_customer_days_aggregated', 'written_at': 'built_at'}],
            settings=['occasion_min_net_amount', ...],          -- vars its SQL reads
            settings_models=['int_business_rules_resolved'],    -- small tables its SQL reads
        ) }}

    selects {{ customer_changes_filter(plan) }} where it reads a parent, and
    adds {{ customer_changes_columns(plan) }} to its rows (built_at: when the
    row was computed; build_settings_hash: the settings it was computed with).

    Each row of a parent carries when it was written (int_transactions_validated
    loaded_at, the others built_at, the dbt run's start). The plan:
    - 'full': a first build or --full-refresh (no filter, no delete);
    - 'rebuild': every customer again, after deleting every row: when the
      table predates these columns or is empty, when a setting changed, or
      when a parent has no row written before this table's last build (it
      was reloaded or rebuilt: customers may have left it);
    - 'customers': the customers with a parent row written after
      this table's last build (watermark = max(built_at)); their rows are
      deleted and computed again from their whole history, which equals
      what a full build computes for them.
    Only at execution time; at parse time and in unit tests, 'full'.
-#}
{% macro customer_changes_plan() -%}
    {%- if not execute -%}
        {#- parse time: config.get is a placeholder then -#}
        {{ return({'mode': 'full', 'watermark': none, 'settings_hash': '', 'reason': 'parse'}) }}
    {%- endif -%}
    {%- set spec = customer_changes_spec() -%}
    {%- set settings_hash = customer_changes_settings_hash(spec) -%}
    {%- set plan = {'mode': 'full', 'watermark': none, 'settings_hash': settings_hash, 'reason': 'first build'} -%}
    {%- if this is none or not is_incremental() -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'built_at' not in built_columns or 'build_settings_hash' not in built_columns -%}
        {%- do plan.update({'mode': 'rebuild', 'reason': 'the table was built before incremental customers'}) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set built_sql -%}
        select
            cast(max(built_at) as {{ dbt.type_string() }}) as watermark,
            min(build_settings_hash) as first_settings_hash,
            max(build_settings_hash) as last_settings_hash
        from {{ this }}
    {%- endset -%}
    {%- set built = run_query(built_sql).rows[0] -%}
    {%- if built[0] is none -%}
        {%- do plan.update({'mode': 'rebuild', 'reason': 'the table is empty'}) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- do plan.update({'watermark': built[0]}) -%}
    {%- if built[1] != settings_hash or built[2] != settings_hash -%}
        {%- do plan.update({'mode': 'rebuild', 'reason': 'a setting it is computed with has changed'}) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- for parent in spec.get('parents', []) -%}
        {%- set kept_sql -%}
            select count(*) from (
                select 1 from {{ ref(parent.model) }}
                where {{ parent.written_at }} <= {{ customer_changes_watermark(plan) }}
                limit 1
            ) as kept
        {%- endset -%}
        {%- if run_query(kept_sql).rows[0][0] == 0 -%}
            {%- do plan.update({'mode': 'rebuild', 'reason': parent.model ~ ' was rebuilt since the last build'}) -%}
            {{ return(plan) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do plan.update({'mode': 'customers', 'reason': 'customers with rows written after ' ~ plan.watermark}) -%}
    {{ return(plan) }}
{%- endmacro %}


{#-
    The config of an incremental-by-customer model: appended rows, a pre-hook
    that deletes what is computed again, and the spec in meta.customer_changes.
    Spark (Parquet tables, no DELETE without Delta or Iceberg): the model is a
    table rebuilt from its parents on every run: the same rows, computed for
    every customer.
-#}
{% macro customer_changes_config(parents, settings=[], settings_models=[]) -%}
    {{ return(adapter.dispatch('customer_changes_config', 'retention')(parents, settings, settings_models)) }}
{%- endmacro %}

{% macro default__customer_changes_config(parents, settings, settings_models) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ customer_changes_delete() }}",
        meta={'customer_changes': {'parents': parents, 'settings': settings, 'settings_models': settings_models}},
    ) }}
{%- endmacro %}

{% macro spark__customer_changes_config(parents, settings, settings_models) -%}
    {{ config(
        materialized='table',
        file_format='parquet',
        meta={'customer_changes': {'parents': parents, 'settings': settings, 'settings_models': settings_models}},
    ) }}
{%- endmacro %}


{#- The model's meta.customer_changes: its parents and settings. -#}
{% macro customer_changes_spec() -%}
    {%- set meta = config.get('meta') or {} -%}
    {{ return(meta.get('customer_changes', {})) }}
{%- endmacro %}


{#- The watermark as a timestamp literal. -#}
{% macro customer_changes_watermark(plan) -%}
    cast('{{ plan.watermark }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#-
    A hash of the vars and small tables (rows as text) the model is computed
    with; rows computed under other ones are computed again.
-#}
{% macro customer_changes_settings_hash(spec) -%}
    {%- set settings = {} -%}
    {%- for name in spec.get('settings', []) -%}
        {%- do settings.update({name: var(name)}) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for name in spec.get('settings_models', []) -%}
            {%- set rows = run_query('select * from ' ~ ref(name)).rows -%}
            {%- do settings.update({name: rows | map('list') | map('string') | sort | list}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(local_md5(tojson(settings, sort_keys=true))) }}
{%- endmacro %}


{#-
    The changed customers, as a condition on a customer id column: empty in
    'full' and 'rebuild' mode (every customer).
-#}
{% macro customer_changes_filter(plan, customer_column='customer_id', keyword='where') -%}
    {%- if plan.mode == 'customers' -%}
        {{ keyword }} {{ customer_column }} in ({{ customer_changes_customers(plan) }})
    {%- endif -%}
{%- endmacro %}


{% macro customer_changes_customers(plan) -%}
    {%- set spec = customer_changes_spec() -%}
    {%- for parent in spec.get('parents', []) %}
        select customer_id from {{ ref(parent.model) }}
        where {{ parent.written_at }} > {{ customer_changes_watermark(plan) }}
        {{- '\n        union' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- What every row records: when it was computed, and with which settings. -#}
{% macro customer_changes_columns(plan) -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }}) as built_at,
    cast('{{ plan.settings_hash }}' as {{ dbt.type_string() }}) as build_settings_hash
{%- endmacro %}


{#- The pre-hook: delete what the plan computes again. -#}
{% macro customer_changes_delete() -%}
    {%- set plan = customer_changes_plan() -%}
    {%- do log(this.identifier ~ ": " ~ plan.mode ~ " (" ~ plan.reason ~ ")", info=true) if execute and this is not none -%}
    {%- if plan.mode == 'rebuild' -%}
        delete from {{ this }}
    {%- elif plan.mode == 'customers' -%}
        delete from {{ this }}
        {{ customer_changes_filter(plan) }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}
