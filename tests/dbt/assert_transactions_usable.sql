-- Blocking rule (macros/definitions/transaction_guards.sql): enough of the
-- load is usable (var min_usable_row_share), and never nothing at all.
{{ config(severity='error') }}
{{ guard_test(transactions_usable_failures(), transactions_usable_message) }}
