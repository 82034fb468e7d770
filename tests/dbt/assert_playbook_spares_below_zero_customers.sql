-- Below-zero customers (they cost more than they bring) get no costly action:
-- no playbook row for profit tier below_zero names a channel that
-- seeds/contact_channels.csv marks is_costly. Returns each such row.

with playbook as (

    select * from {{ ref('playbook') }}

),

channels as (

    select * from {{ ref('contact_channels') }}

)

select playbook.*
from playbook
inner join channels
    on playbook.channel = channels.channel
where playbook.profit_tier = 'below_zero'
    and channels.is_costly
