{#-
    The daily capacity of a channel (var channel_daily_capacity, e.g.
    {phone: 20, email: 200}) as a SQL expression: the number for a channel
    named there, null (no limit) for any other channel or an empty value.
-#}
{% macro channel_daily_capacity(channel_expr) -%}
    {%- set capacities = var('channel_daily_capacity') -%}
    {%- if capacities is not mapping -%}
        {{ exceptions.raise_compiler_error("var channel_daily_capacity must be a mapping of channel to contacts a day, e.g. {phone: 20}, got '" ~ capacities ~ "'") }}
    {%- endif -%}
    {%- set limited = [] -%}
    {%- for channel, capacity in capacities.items() if capacity is not none and (capacity | string | trim) != '' -%}
        {%- if (capacity | string | trim) is not number and not (capacity | string | trim).isdigit() -%}
            {{ exceptions.raise_compiler_error("var channel_daily_capacity: " ~ channel ~ " must be a whole number >= 0 or empty (no limit), got '" ~ capacity ~ "'") }}
        {%- endif -%}
        {%- do limited.append((channel, capacity | int)) -%}
    {%- endfor -%}
    {%- if limited | length == 0 -%}
        cast(null as {{ dbt.type_int() }})
    {%- else -%}
        case {{ channel_expr }}
        {%- for channel, capacity in limited %}
            when '{{ channel }}' then {{ capacity }}
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}
