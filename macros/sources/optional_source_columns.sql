{#-
    The optional sources (customers, service costs, churn reasons) without a
    file are an empty relation of the same shape, so every model reading
    their staging model works the same with or without one. The shape is
    written once here, per source: the staging model's columns, in order,
    with their types. The file branch selects exactly these columns
    (source_columns_select), the empty branch casts nulls to them
    (empty_source_relation): the two cannot drift apart.
-#}
{% macro optional_source_columns(name) -%}
    {%- set text = dbt.type_string() -%}
    {%- set contact_columns = [] -%}
    {%- for column in customer_contact_columns() -%}
        {%- do contact_columns.append((column, text)) -%}
    {%- endfor -%}
    {%- set columns = {
        'customers': [('source_file', text), ('customer_id', text), ('signed_up_date', 'date'), ('channel', text)]
                     + contact_columns,
        'service_costs': [('source_file', text), ('source_row_number', dbt.type_bigint()),
                          ('customer_id_raw', text), ('incurred_on_raw', text), ('cost_to_serve_raw', text),
                          ('customer_id', text), ('incurred_on', 'date'), ('cost_to_serve_amount', dbt.type_numeric())],
        'churn_reasons': [('source_file', text), ('source_row_number', dbt.type_bigint()),
                          ('customer_id_raw', text), ('reported_on_raw', text), ('reason_code_raw', text),
                          ('customer_id', text), ('reported_on', 'date'), ('reason_code', text)],
    } -%}
    {%- if name not in columns -%}
        {{ exceptions.raise_compiler_error("optional_source_columns: no optional source '" ~ name ~ "'") }}
    {%- endif -%}
    {{ return(columns[name]) }}
{%- endmacro %}

{#- The contact columns of the customers file, passed through as text (null when absent). -#}
{% macro customer_contact_columns() -%}
    {{ return(['customer_name', 'email', 'phone', 'account_owner']) }}
{%- endmacro %}

{#- `select <the source's columns> from <relation>`: the file branch's last step. -#}
{% macro source_columns_select(name, relation) -%}
    select
        {%- for column, _ in optional_source_columns(name) %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}

{#- The source's columns as typed nulls, no rows: its staging model without a file. -#}
{% macro empty_source_relation(name) -%}
    select
        {%- for column, type in optional_source_columns(name) %}
        cast(null as {{ type }}) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
{%- endmacro %}
