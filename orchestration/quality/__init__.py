"""Data quality: Great Expectations suites (expectations/*.json) validated
inside the warehouse, with results kept in quality.validation_results."""
