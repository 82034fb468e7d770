{#-
    The control group: a deterministic share of customers (var
    holdout_share, 0 = off) who are put on the call sheet like everyone else
    but not contacted (contact_status 'holdout'), so marts.alert_uplift can
    tell what contacting customers adds over what they would have done
    anyway. A customer is in it when the stable bucket of
    '<holdout_salt>:<customer_id>' (macros/cross_db/hashing.sql, 0 .. 9,999)
    is below holdout_share x 10,000: the same customers every day, on every
    engine, and in Python (orchestration/holdout.py). Change var
    holdout_salt to draw a new group.
-#}
{% macro holdout_share() -%}
    {%- set share = var('holdout_share') | string | trim -%}
    {%- set number = share | float(-1) -%}
    {%- if share == '' or number < 0 or number > 0.5 -%}
        {{ exceptions.raise_compiler_error("var holdout_share must be a share from 0 (no control group) to 0.5, got '" ~ var('holdout_share') ~ "'") }}
    {%- endif -%}
    {{ return(number) }}
{%- endmacro %}


{% macro is_in_holdout(customer_id_expr) -%}
    {%- set share = holdout_share() -%}
    {%- if share == 0 -%}
        false
    {%- else -%}
        ({{ hash_bucket(dbt.concat(["'" ~ (var('holdout_salt') | string | replace("'", "''")) ~ ":'", customer_id_expr]), 10000) }}
            < {{ (share * 10000) | round | int }})
    {%- endif -%}
{%- endmacro %}
