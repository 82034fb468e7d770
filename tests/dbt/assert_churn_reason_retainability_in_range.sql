-- seeds/churn_reason_taxonomy.csv: retainability is a weight from 0 to 1,
-- and 0 for a reason that is not retainable (it never ranks anyone).
-- Returns each row that breaks this.

select reason_code, is_retainable, retainability
from {{ ref('churn_reason_taxonomy') }}
where retainability < 0
    or retainability > 1
    or (not is_retainable and retainability <> 0)
