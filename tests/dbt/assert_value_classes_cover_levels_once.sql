-- Each of the eight (r_level, f_level, m_level) combinations has exactly one
-- row in seeds/value_classes.csv. Returns the combinations that do not.
with levels as (
    select 'high' as level union all select 'low'
),

combinations as (
    select
        r.level as r_level,
        f.level as f_level,
        m.level as m_level
    from levels as r
    cross join levels as f
    cross join levels as m
),

classes as (
    select * from {{ ref('value_classes') }}
),

matches as (
    select
        combinations.r_level,
        combinations.f_level,
        combinations.m_level,
        count(classes.value_class) as count_matching_rows
    from combinations
    left join classes
        on combinations.r_level = classes.r_level
        and combinations.f_level = classes.f_level
        and combinations.m_level = classes.m_level
    group by combinations.r_level, combinations.f_level, combinations.m_level
)

select * from matches
where count_matching_rows != 1
