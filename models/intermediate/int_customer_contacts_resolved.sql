-- One row per customer of the optional customers file (var customers_path)
-- with their contact details for the sales files: customer_name, email,
-- phone, account_owner. The file may list a customer more than once; each
-- detail is taken on its own from the latest row that has it (latest
-- signed_up_date; rows without a date count as older than any dated row;
-- rows of the same date: the alphabetically first value), so a newer row
-- with a blank phone keeps the older row's phone. Ids arrive normalised from
-- staging (normalize_customer_id), so the rows join to the marts.
-- Details the file does not have are null; with no customers file this is
-- empty.

{%- set contact_columns = customer_contact_columns() %}

with customers as (

    select
        customer_id,
        signed_up_date,
        {{ contact_columns | join(',\n        ') }}
    from {{ ref('stg_raw__customers') }}
    where customer_id is not null

),

customer_ids as (

    select distinct customer_id
    from customers

),

{%- for column in contact_columns %}

{{ column }}_ranked as (

    select
        customer_id,
        {{ column }},
        row_number() over (
            partition by customer_id
            order by signed_up_date desc nulls last, {{ column }}
        ) as recency_rank
    from customers
    where {{ column }} is not null

),
{%- endfor %}

resolved as (

    select
        customer_ids.customer_id
        {%- for column in contact_columns %},
        {{ column }}_ranked.{{ column }}
        {%- endfor %}
    from customer_ids
    {%- for column in contact_columns %}
    left join {{ column }}_ranked
        on customer_ids.customer_id = {{ column }}_ranked.customer_id
        and {{ column }}_ranked.recency_rank = 1
    {%- endfor %}

)

select * from resolved
