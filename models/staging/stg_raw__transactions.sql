-- One row per line of the raw transactions file(s) (var transactions_path),
-- nothing filtered: the raw text of every column is kept for diagnostics
-- beside its typed value (null where the text does not parse). Column names
-- are mapped with var transactions_columns. Customer ids are trimmed and, by
-- default, upper-cased (var customer_id_case), so an id whose case changes
-- between feeds stays one customer; the raw text keeps what arrived.
-- Timestamps are ISO 8601 or in a format of var timestamp_formats; numbers
-- use the decimal separator of var transactions_decimal_separator (CSV).
-- The SQL is macros/sources/transactions_staged.sql, which an incremental
-- load of int_transactions_validated also runs on just the new files.

{{ transactions_staged() }}
