-- marts.winback_candidates: winback_rank runs 1..n without gaps and follows
-- winback_score_amount (descending), ties by customer_id. Returns each row
-- whose rank is not the one that order gives.

with candidates as (

    select * from {{ ref('winback_candidates') }}

),

expected as (

    select
        customer_id,
        winback_rank,
        row_number() over (order by winback_score_amount desc, customer_id) as expected_rank
    from candidates

)

select *
from expected
where winback_rank <> expected_rank
