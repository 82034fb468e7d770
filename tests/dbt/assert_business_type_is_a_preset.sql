-- var business_type must name exactly one row of seeds/business_presets.csv;
-- otherwise the run has no business rules and every customer model would be
-- empty. Returns a row (and fails) when int_business_rules_resolved does not
-- have exactly one row.
with parameters as (
    select count(*) as count_parameter_rows from {{ ref('int_business_rules_resolved') }}
)

select
    '{{ var("business_type") }}' as business_type,
    count_parameter_rows
from parameters
where count_parameter_rows != 1
