{#- The combination of `columns` is unique: returns each repeated combination. -#}
{% test assert_unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as count_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
