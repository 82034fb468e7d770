-- Blocking rule (macros/definitions/transaction_guards.sql): at most a tiny
-- share of amounts beyond var max_plausible_amount.
{{ config(severity='error') }}
{{ guard_test(transaction_amounts_failures(), transaction_amounts_message) }}
