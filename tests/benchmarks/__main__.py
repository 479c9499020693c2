"""`make bench`: runs every `bench_*.py` here and prints one JSON object per benchmark.

Each module has `run() -> dict`; a module may set `NAME`. Benchmarks never run in `make test`.
"""

import importlib
import json
import os
import pkgutil
import sys
import time

import django


def main(selected: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing.settings")
    django.setup()
    package = importlib.import_module("tests.benchmarks")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"tests.benchmarks.{info.name}")
        name = getattr(module, "NAME", info.name.removeprefix("bench_"))
        if selected and name not in selected:
            continue
        started = time.perf_counter()
        result = module.run()
        print(json.dumps({"benchmark": name, **result, "wall_seconds": round(time.perf_counter() - started, 3)}))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
