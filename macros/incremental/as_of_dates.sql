{#-
    The config of a model kept per as-of date (the history, the call sheet,
    the alert log, the segment summary, the KPIs): each run replaces exactly
    the as-of dates it computes and leaves every other date alone.
    - DuckDB: delete+insert on as_of_date (the run's dates are deleted, its
      rows inserted, in one transaction).
    - Spark: insert_overwrite of a table partitioned by as_of_date (Parquet;
      dbt-spark overwrites the partitions the run's rows fall in, dynamic
      partition overwrite): the same dates replaced, no DELETE needed, so
      no Delta or Iceberg table format is required.
-#}
{% macro as_of_date_incremental_config(on_schema_change='fail') -%}
    {{ return(adapter.dispatch('as_of_date_incremental_config', 'retention')(on_schema_change)) }}
{%- endmacro %}

{% macro default__as_of_date_incremental_config(on_schema_change) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change=on_schema_change,
    ) }}
{%- endmacro %}

{% macro spark__as_of_date_incremental_config(on_schema_change) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['as_of_date'],
        file_format='parquet',
        on_schema_change=on_schema_change,
    ) }}
{%- endmacro %}
