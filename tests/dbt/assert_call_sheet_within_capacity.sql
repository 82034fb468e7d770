-- marts.call_sheet: per as-of date and channel, no more customers to contact
-- today than var channel_daily_capacity allows. Returns each day and channel
-- over capacity.

with call_sheet as (

    select * from {{ ref('call_sheet') }}

),

contacts as (

    select
        as_of_date,
        recommended_channel,
        count(*) as count_contacts
    from call_sheet
    where contact_status = 'contact_today'
    group by as_of_date, recommended_channel

)

select *
from contacts
where count_contacts > {{ channel_daily_capacity('recommended_channel') }}
