-- Blocking rule (macros/definitions/transaction_guards.sql): no amount is in
-- a currency without a rate to the reporting currency (var currency_rates).
{{ config(severity='error') }}
{{ guard_test(transaction_currencies_failures(), transaction_currencies_message) }}
