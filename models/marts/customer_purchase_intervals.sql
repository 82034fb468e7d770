-- One row per customer and purchase occasion up to the as-of date.

with occasions as (

    select * from {{ ref('int_purchase_occasions_numbered') }}

),

final as (

    select
        customer_id,
        purchase_date,
        purchase_number,
        previous_purchase_date,
        days_since_previous_purchase,
        net_amount,
        is_reactivation,
        as_of_date
    from occasions

)

select * from final
