-- The outcome of every logged action (marts.alert_log): one row per action
-- (as-of date and customer), contacted or held out. Its outcome window is
-- the var outcome_window_days[list] days after the action's day,
-- (as_of_date, outcome_window_end_date]. Within it, up to the newest day
-- the warehouse has computed (the latest as-of date of
-- marts.customer_segment_history): the customer's first purchase occasion,
-- and their net revenue and margin (margin as in marts.customer_value).
-- outcome_status: bought (an occasion in the window), not_bought (the
-- window has ended without one) or pending (not ended, nothing yet).
-- is_first_action_of_episode marks the first logged action of a customer's
-- state on a list (alert_log.state_entered_date): later reminders of the
-- same episode overlap its window, so marts.alert_uplift counts episodes.
-- Rebuilt on every run: a window stays open for weeks after the action.

{%- set windows = days_per_action_list('outcome_window_days', example_days=60, every_list=true) %}

with alert_log as (

    select * from {{ ref('alert_log') }}

),

history as (

    select * from {{ ref('customer_segment_history') }}

),

occasions as (

    select * from {{ ref('int_purchase_occasions_numbered') }}

),

value_lines as (

    select * from {{ ref('int_customer_value_lines_unioned') }}

),

horizon as (

    -- the newest day the warehouse has computed: outcomes are known up to it
    select max(as_of_date) as known_through_date
    from history

),

actions as (

    select
        alert_log.as_of_date,
        alert_log.customer_id,
        alert_log.action_list,
        alert_log.recommended_action,
        alert_log.recommended_channel,
        alert_log.profit_tier,
        alert_log.list_state,
        alert_log.state_entered_date,
        coalesce(alert_log.is_holdout, false) as is_holdout,
        case alert_log.action_list
        {%- for list_name, days in windows.items() %}
            when '{{ list_name }}' then {{ days | int }}
        {%- endfor %}
        end as outcome_window_days
    from alert_log

),

windowed as (

    select
        actions.*,
        {{ add_days('actions.as_of_date', 'actions.outcome_window_days') }} as outcome_window_end_date,
        horizon.known_through_date,
        row_number() over (
            partition by actions.customer_id, actions.action_list,
                coalesce(actions.state_entered_date, actions.as_of_date)
            order by actions.as_of_date
        ) = 1 as is_first_action_of_episode
    from actions
    cross join horizon

),

evaluated as (

    select
        *,
        case
            when outcome_window_end_date < known_through_date then outcome_window_end_date
            else known_through_date
        end as evaluated_through_date
    from windowed

),

first_purchases as (

    select
        evaluated.as_of_date,
        evaluated.customer_id,
        min(occasions.purchase_date) as first_purchase_date
    from evaluated
    inner join occasions
        on evaluated.customer_id = occasions.customer_id
        and occasions.purchase_date > evaluated.as_of_date
        and occasions.purchase_date <= evaluated.evaluated_through_date
    group by evaluated.as_of_date, evaluated.customer_id

),

window_lines as (

    -- customer-days and service costs in each action's window so far
    select
        evaluated.as_of_date,
        evaluated.customer_id,
        value_lines.net_amount,
        value_lines.cost_of_goods_amount,
        value_lines.cost_to_serve_amount
    from evaluated
    inner join value_lines
        on evaluated.customer_id = value_lines.customer_id
        and value_lines.value_date > evaluated.as_of_date
        and value_lines.value_date <= evaluated.evaluated_through_date

),

window_amounts as (

    select
        as_of_date,
        customer_id,
        sum(net_amount) as revenue_amount,
        sum({{ margin_amount('net_amount', 'cost_of_goods_amount', 'cost_to_serve_amount') }}) as margin_amount
    from window_lines
    group by as_of_date, customer_id

),

final as (

    select
        evaluated.as_of_date,
        evaluated.customer_id,
        evaluated.action_list,
        evaluated.recommended_action,
        evaluated.recommended_channel,
        evaluated.profit_tier,
        evaluated.list_state,
        evaluated.state_entered_date,
        evaluated.is_holdout,
        evaluated.is_first_action_of_episode,
        cast(evaluated.outcome_window_days as {{ dbt.type_int() }}) as outcome_window_days,
        evaluated.outcome_window_end_date,
        evaluated.known_through_date,
        evaluated.outcome_window_end_date <= evaluated.known_through_date as is_window_closed,
        first_purchases.first_purchase_date,
        cast({{ dbt.datediff('evaluated.as_of_date', 'first_purchases.first_purchase_date', 'day') }}
            as {{ dbt.type_int() }}) as days_to_purchase,
        first_purchases.first_purchase_date is not null as has_purchased,
        case
            when first_purchases.first_purchase_date is not null then 'bought'
            when evaluated.outcome_window_end_date <= evaluated.known_through_date then 'not_bought'
            else 'pending'
        end as outcome_status,
        cast(coalesce(window_amounts.revenue_amount, 0) as decimal(18, 6)) as revenue_amount,
        cast(coalesce(window_amounts.margin_amount, 0) as decimal(18, 6)) as margin_amount
    from evaluated
    left join first_purchases
        on evaluated.as_of_date = first_purchases.as_of_date
        and evaluated.customer_id = first_purchases.customer_id
    left join window_amounts
        on evaluated.as_of_date = window_amounts.as_of_date
        and evaluated.customer_id = window_amounts.customer_id

)

select * from final
