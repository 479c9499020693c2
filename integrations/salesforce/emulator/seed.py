"""Plausible, deterministic people to fill an org with (the management command and benchmarks use it)."""

_FIRST = (
    "Ada",
    "Ben",
    "Chloé",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
)
_LAST = (
    "Andersen",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hansen",
    "Ivanova",
    "Jansen",
    "Keller",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Olsen",
    "Petrov",
    "Quist",
    "Rossi",
    "Schmidt",
    "Tanaka",
)
_COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Wonka", "Tyrell")


def people(count: int, *, start: int = 0, kind: str = "lead") -> list[dict]:
    """`count` Lead (kind="lead") or Contact (kind="contact") field dicts with unique e-mail addresses."""
    rows = []
    for number in range(start, start + count):
        first, last = _FIRST[number % len(_FIRST)], _LAST[number // len(_FIRST) % len(_LAST)]
        row = {
            "FirstName": first,
            "LastName": last,
            "Email": f"{kind}{number}@example.com",
            "Phone": f"+1555{number:07d}",
            "HasOptedOutOfEmail": number % 17 == 0,
            "LeadSource": "Web",
        }
        if kind == "lead":
            row["Company"] = _COMPANIES[number % len(_COMPANIES)]
        rows.append(row)
    return rows
