"""`import_1m`: one million contact rows through the import engine, then again, against COPY.

The file mixes Hebrew and English names, phones in every usual spelling, emails,
two custom fields, 5% invalid rows and 10% repeats inside the file. Runs on the
database of DATABASE_URL (the Makefile points it at a local PostgreSQL).
"""

import csv
import os
import random
import resource
import tempfile
import time

from django.db import connection

from .cleanup import account_drop

NAME = "import_1m"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))

FIRST = ["דנה", "יוסי", "נועה", "אבי", "מיכל", "Dana", "John", "Sarah", "David", "Maya", "רונית", "Omer"]
LAST = ["לוי", "כהן", "מזרחי", "פרץ", "Levi", "Smith", "Cohen", "Brown", "ביטון", "Friedman"]
PHONE_FORMATS = ("05{a}-{b}", "05{a}{b}", "+972 5{a} {b3} {b4}", "9725{a}{b}", "009725{a}{b}", "(05{a}) {b3}-{b4}")


def _row(rng: random.Random, i: int) -> list[str]:
    a, b = str(rng.randint(0, 8)), f"{i % 10_000_000:07d}"
    phone = rng.choice(PHONE_FORMATS).format(a=a, b=b, b3=b[:3], b4=b[3:])
    email = f"user{i}@example{i % 89}.co.il"
    if rng.random() < 0.05:  # invalid: a broken phone and a broken email
        phone, email = "12-34", f"user{i}@@broken"
    return [rng.choice(FIRST), rng.choice(LAST), phone, email, str(rng.randint(30, 48)), rng.choice(["A", "B", "C"])]


def write_file(path: str, rows: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["שם פרטי", "שם משפחה", "טלפון נייד", "אימייל", "shoe_size", "segment"])
        unique = 0
        for produced in range(rows):
            if produced and rng.random() < 0.10:  # a repeat of an earlier row, cell for cell
                earlier = rng.randrange(unique)
                writer.writerow(_row(random.Random(seed * 1_000_003 + earlier), earlier))
            else:
                writer.writerow(_row(random.Random(seed * 1_000_003 + unique), unique))
                unique += 1


def _account():
    from contacts.models import CustomField
    from marketing.accounts.models import Account, User
    from marketing.accounts.services import account_create

    account_drop(Account.objects.filter(slug="bench-import").first())
    owner, _ = User.objects.get_or_create(username="bench-import-owner")
    account = account_create(name="Bench import", slug="bench-import", owner=owner)
    CustomField.objects.create(account=account, api_name="shoe_size", label="shoe size", kind="number")
    CustomField.objects.create(account=account, api_name="segment", label="segment", kind="text")
    return account


def _import(account, path: str) -> dict:
    from contacts.importers import read_table
    from contacts.imports import import_table
    from contacts.upsert import Policy

    mapping = ["first_name", "last_name", "phone", "email", "custom:shoe_size", "custom:segment"]
    with open(path, "rb") as handle:
        outcome = import_table(
            account=account, table=read_table(handle, filename="bench.csv"), mapping=mapping, policy=Policy()
        )
    return outcome.as_dict()


def _copy_baseline(path: str) -> float:
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_baseline")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_copy_baseline (first_name text, last_name text, phone text, email text, "
            "shoe_size text, segment text)"
        )
        started = time.perf_counter()
        with (
            open(path, "rb") as handle,
            cursor.copy("COPY bench_copy_baseline FROM STDIN WITH (FORMAT csv, HEADER)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_baseline")
    return seconds


def run() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "contacts.csv")
        write_file(path, ROWS)
        account = _account()
        first = _import(account, path)
        second = _import(account, path)
        copy_seconds = _copy_baseline(path)
        from contacts.models import Contact

        stored = Contact.objects.filter(account=account).count()
        account_drop(account)
    first_rate = first["read"] / first["seconds"]
    second_rate = second["read"] / second["seconds"]
    copy_rate = ROWS / copy_seconds if copy_seconds else None
    return {
        "database": connection.vendor,
        "rows": ROWS,
        "contacts_stored": stored,
        "first_import": first,
        "reimport": second,
        "first_rows_per_second": round(first_rate),
        "reimport_rows_per_second": round(second_rate),
        "copy_rows_per_second": round(copy_rate) if copy_rate else None,
        "first_vs_copy": round(first_rate / copy_rate, 3) if copy_rate else None,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
