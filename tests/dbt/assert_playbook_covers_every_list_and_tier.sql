-- Every action list x profit tier has exactly one playbook row for any churn
-- reason (reason_category empty), so every customer on a list gets an action;
-- rows for a reason category are optional and may appear once each; every
-- channel is in seeds/contact_channels.csv; within a list the precedence is
-- one number (it ranks lists, not rows). Returns what breaks a rule.

with playbook as (

    select * from {{ ref('playbook') }}

),

channels as (

    select * from {{ ref('contact_channels') }}

),

lists as (

    select action_list from {{ ref('action_lists') }}

),

tiers as (

    select profit_tier from {{ ref('profit_tiers') }}

),

default_rows as (

    select
        lists.action_list,
        tiers.profit_tier,
        count(playbook.action) as count_rows
    from lists
    cross join tiers
    left join playbook
        on lists.action_list = playbook.action_list
        and tiers.profit_tier = playbook.profit_tier
        and playbook.reason_category is null
    group by lists.action_list, tiers.profit_tier

),

problems as (

    select action_list, profit_tier, 'needs exactly one row for any reason' as problem
    from default_rows
    where count_rows <> 1

    union all

    select action_list, profit_tier, 'reason category listed twice' as problem
    from playbook
    where reason_category is not null
    group by action_list, profit_tier, reason_category
    having count(*) > 1

    union all

    select playbook.action_list, playbook.profit_tier, 'unknown channel or list' as problem
    from playbook
    left join channels
        on playbook.channel = channels.channel
    left join lists
        on playbook.action_list = lists.action_list
    where channels.channel is null or lists.action_list is null

    union all

    select action_list, cast(null as {{ dbt.type_string() }}) as profit_tier, 'precedence differs within the list' as problem
    from playbook
    group by action_list
    having count(distinct precedence) > 1

)

select * from problems
