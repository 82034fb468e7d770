-- Blocking rule (macros/definitions/transaction_guards.sql): the load has at
-- least var min_row_count_ratio x the rows of the last good load.
{{ config(severity='error') }}
{{ guard_test(transaction_row_count_failures(), transaction_row_count_message) }}
