"""The control group in Python, the same as macros/definitions/holdout.sql:
a customer is held out when the stable bucket of '<salt>:<customer_id>'
(the first 32 bits of its MD5, modulo 10,000) is below share x 10,000. For
checking the warehouse's assignment and for simulating outcomes in the demo."""

from __future__ import annotations

import hashlib
import math

BUCKETS = 10_000


def holdout_bucket(customer_id: str, salt: str) -> int:
    """0 .. 9,999, as macros/cross_db/hashing.sql hash_bucket gives it."""
    return int(hashlib.md5(f"{salt}:{customer_id}".encode()).hexdigest()[:8], 16) % BUCKETS


def is_in_holdout(customer_id: str, share: float, salt: str) -> bool:
    """Whether the customer is in the control group of this share and salt."""
    # half up, as Jinja's round in the macro (Python's round() would round half to even)
    return share > 0 and holdout_bucket(customer_id, salt) < math.floor(share * BUCKETS + 0.5)
