{#-
    The action lists of the call sheet and the warning bands two of them are
    named after: the one macro file that spells their names.

    Which customers are on which list is decided in
    models/intermediate/int_customer_actions_proposed.sql (it names each
    list once). seeds/action_lists.csv is the lists' table (name, display
    order, label), read by the marts' tests and by the Python code
    (orchestration/vocabularies.py); action_list_names() below holds the
    same names for what must be checked when a model compiles, before any
    seed is loaded: the per-list vars contact_cooldown_days and
    outcome_window_days (tests/dbt/assert_action_lists_match_macro.sql keeps
    the seed and the macro the same).
-#}


{#- The action lists, in the seed's list_order. -#}
{% macro action_list_names() -%}
    {{ return(['winback', 'churn_risk', 'repurchase_due']) }}
{%- endmacro %}


{#- The row is on the win-back list (valued by second lifetime value, not by future margin). -#}
{% macro is_winback_list(action_list_expr) -%}
    {{ action_list_expr }} = 'winback'
{%- endmacro %}


{#- A var that maps an action list to a whole number of days >= 1, checked
    and returned. every_list: each list needs a value (outcome_window_days);
    otherwise a list may be left out, but every key must be a list
    (contact_cooldown_days). example_days: the example of the error message. -#}
{% macro days_per_action_list(var_name, example_days, every_list) -%}
    {%- set days_per_list = var(var_name) -%}
    {%- set names = action_list_names() -%}
    {%- if days_per_list is not mapping -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a mapping of list to days, e.g. {churn_risk: " ~ example_days ~ "}, got '" ~ days_per_list ~ "'") }}
    {%- endif -%}
    {%- if every_list -%}
        {%- for list_name in names -%}
            {%- if list_name not in days_per_list or not (days_per_list[list_name] | string).isdigit() or (days_per_list[list_name] | int) < 1 -%}
                {{ exceptions.raise_compiler_error("var " ~ var_name ~ " needs a whole number of days >= 1 for each of " ~ names | join(', ') ~ ", got '" ~ days_per_list ~ "'") }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {%- for list_name, days in days_per_list.items() -%}
            {%- if list_name not in names or (days | int) < 1 -%}
                {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": lists are " ~ names | join(', ') ~ " with a whole number of days >= 1, got " ~ list_name ~ ": " ~ days) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(days_per_list) }}
{%- endmacro %}


{#-
    Repurchase / churn warning band from a recency ratio (days since the last
    purchase / the usual interval between purchases). Bands are lower-bound
    inclusive:
      ratio < repurchase_due_ratio                 -> not_due
      repurchase_due_ratio <= ratio < churn_risk_ratio -> repurchase_due
      churn_risk_ratio <= ratio < probably_gone_ratio  -> churn_risk
      ratio >= probably_gone_ratio                 -> probably_gone
    null ratio (no purchase) -> null.
-#}
{% macro warning_band(ratio_expr) -%}
    {%- set due = var('repurchase_due_ratio') -%}
    {%- set risk = var('churn_risk_ratio') -%}
    {%- set gone = var('probably_gone_ratio') -%}
    {%- if not (due < risk < gone) -%}
        {{ exceptions.raise_compiler_error(
            "warning band vars must ascend: repurchase_due_ratio < churn_risk_ratio < probably_gone_ratio, got "
            ~ due ~ ", " ~ risk ~ ", " ~ gone
        ) }}
    {%- endif -%}
    case
        when {{ ratio_expr }} is null then null
        when {{ ratio_expr }} < {{ due }} then 'not_due'
        when {{ ratio_expr }} < {{ risk }} then 'repurchase_due'
        when {{ ratio_expr }} < {{ gone }} then 'churn_risk'
        else 'probably_gone'
    end
{%- endmacro %}


{#- Overdue against their rhythm (the business's expected interval while
    they have none): warning band churn_risk or probably_gone, a churn
    signal (macros/definitions/churn_signals.sql). -#}
{% macro is_overdue(warning_band_expr) -%}
    coalesce({{ warning_band_expr }} in ('churn_risk', 'probably_gone'), false)
{%- endmacro %}


{#-
    Days from the last purchase to the first day of a warning band: the band
    starts when days since the last purchase / the usual interval reaches
    the band's lower ratio, so on day ceil(ratio x interval) (a hair below,
    so that 0.8 x 60 = 48.000...01 still starts on day 48). not_due starts
    on the purchase day itself. Between purchases a customer's interval does
    not change, so this is the day they entered the band they are in, which
    is what the contact cadence of the call sheet counts from.
-#}
{% macro warning_band_start_days(band_expr, interval_expr) -%}
    cast(ceil(
        case {{ band_expr }}
            when 'repurchase_due' then {{ var('repurchase_due_ratio') }}
            when 'churn_risk' then {{ var('churn_risk_ratio') }}
            when 'probably_gone' then {{ var('probably_gone_ratio') }}
            else 0
        end * {{ interval_expr }} - 1e-9
    ) as {{ dbt.type_int() }})
{%- endmacro %}
