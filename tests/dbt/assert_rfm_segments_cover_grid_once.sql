-- Every (r_score, fm_score) cell of the 5 x 5 grid maps to exactly one row of
-- seeds/rfm_segments.csv. Returns the cells that map to none or to several.
with scores as (
    select 1 as score union all select 2 union all select 3 union all select 4 union all select 5
),

cells as (
    select
        r.score as r_score,
        fm.score as fm_score
    from scores as r
    cross join scores as fm
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

matches as (
    select
        cells.r_score,
        cells.fm_score,
        count(segments.rfm_segment) as count_matching_rows
    from cells
    left join segments
        on cells.r_score between segments.r_score_min and segments.r_score_max
        and cells.fm_score between segments.fm_score_min and segments.fm_score_max
    group by cells.r_score, cells.fm_score
)

select * from matches
where count_matching_rows != 1
