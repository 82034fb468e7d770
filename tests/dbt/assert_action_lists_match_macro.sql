-- The action lists of seeds/action_lists.csv are exactly the names of
-- action_list_names() (macros/definitions/action_lists.sql), in the same
-- order: the macro checks the per-list vars when a model compiles, the seed
-- is what the marts and the Python code read. Returns each list that is in
-- one and not the other, or at another place.

with seeded as (

    select * from {{ ref('action_lists') }}

),

named as (

    {%- for list_name in action_list_names() %}
    {{ 'union all' if not loop.first }}
    select
        cast('{{ list_name }}' as {{ dbt.type_string() }}) as action_list,
        {{ loop.index }} as list_position
    {%- endfor %}

),

seeded_ranked as (

    select
        action_list,
        row_number() over (order by list_order) as list_position
    from seeded

),

problems as (

    select
        coalesce(seeded_ranked.action_list, named.action_list) as action_list,
        case
            when named.action_list is null then 'in the seed, not in action_list_names()'
            when seeded_ranked.action_list is null then 'in action_list_names(), not in the seed'
            else 'at another place in action_list_names() than in list_order'
        end as problem
    from seeded_ranked
    full outer join named
        on seeded_ranked.action_list = named.action_list
    where named.action_list is null
        or seeded_ranked.action_list is null
        or seeded_ranked.list_position <> named.list_position

)

select * from problems
