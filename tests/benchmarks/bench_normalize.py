"""Contact-point normalization throughput on one core (the cost every import row pays)."""

import random
import time

from marketing.core.normalize import InvalidContactPoint, email_normalize, phone_normalize

NAME = "normalize_contact_points"
ROWS = 50_000


def _phones(rng: random.Random) -> list[str]:
    formats = ("05{a}-{b}", "05{a}{b}", "+972 5{a} {b3} {b4}", "9725{a}{b}", "009725{a}{b}")
    rows = []
    for _ in range(ROWS):
        a, b = str(rng.randint(0, 8)), f"{rng.randint(0, 9_999_999):07d}"
        rows.append(rng.choice(formats).format(a=a, b=b, b3=b[:3], b4=b[3:]))
    return rows


def _rate(func, values) -> tuple[float, int]:
    rejected = 0
    started = time.perf_counter()
    for value in values:
        try:
            func(value)
        except InvalidContactPoint:
            rejected += 1
    return len(values) / (time.perf_counter() - started), rejected


def run() -> dict:
    rng = random.Random(7)
    phones = _phones(rng)
    emails = [f"  User.{i}@Example{i % 97}.co.il " for i in range(ROWS)]
    phone_rate, phone_rejected = _rate(lambda v: phone_normalize(v, region="IL"), phones)
    email_rate, email_rejected = _rate(email_normalize, emails)
    return {
        "rows": ROWS,
        "phones_per_second": round(phone_rate),
        "phones_rejected": phone_rejected,
        "emails_per_second": round(email_rate),
        "emails_rejected": email_rejected,
    }
