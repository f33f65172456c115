"""`make mutation`: mutation testing (mutmut 2) of the modules where a fault would hurt
most: the one scoping mechanism, the one masking function, the screening's scoring and the
points ledger. Each module is mutated in place, one mutant at a time, and the tests that
guard it run against each (stopping at the first failure); a mutant the tests do not
notice "survived". Prints one line a module and the score; docs/testing.md keeps them.

Run it on a clean tree (it rewrites the files it mutates while it runs, and puts them
back). A run takes about an hour on two cores.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = f"{sys.executable} -m pytest -x -q -p no:randomly -p no:cacheprovider"
# module → the tests that guard it (a focused set: each runs once per mutant)
MODULES = {
    "common/masking.py": [
        "common/tests/test_masking.py", "common/tests/test_forget_public_clients.py",
        "households/tests/test_idnumbers.py", "households/tests/test_models.py",
    ],
    # (the permission matrix checks scoping through every page in the suite; its 800 cases
    # a mutant are too slow here, so the functions have their own tests)
    "villages/scoping.py": [
        "villages/tests/test_scoping.py", "villages/tests/test_regions.py",
        "villages/tests/test_separation.py",
    ],
    "monitoring/screening/score.py": [
        "monitoring/tests/test_screening.py", "monitoring/tests/test_boundaries.py",
    ],
    "points/services.py": [
        "points/tests/test_refusals.py", "points/tests/test_services.py",
        "points/tests/test_ledger_stateful.py", "points/tests/test_views.py",
    ],
}  # fmt: skip


def run(module: str, tests: list[str]) -> dict[str, int]:
    cache = ROOT / ".mutmut-cache"
    cache.unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 (our own interpreter and tests)
        [sys.executable, "-m", "mutmut", "run", "--paths-to-mutate", module,
         "--runner", f"{PYTEST} {' '.join(tests)}", "--no-progress"],
        cwd=ROOT, check=False, capture_output=True,
    )  # fmt: skip
    with sqlite3.connect(cache) as db:
        counts = dict(db.execute("SELECT status, COUNT(*) FROM Mutant GROUP BY status"))
    survived = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], cwd=ROOT, capture_output=True, text=True,
        check=False,
    ).stdout  # fmt: skip
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    name = module.replace("/", "_").removesuffix(".py")
    (ROOT / "test-artifacts" / f"mutation-{name}.txt").write_text(survived)
    return counts


def main() -> int:
    """`tools/mutation.py [module ...]`: the modules named, or all four."""
    chosen = sys.argv[1:] or list(MODULES)
    print(f"{'module':32} {'mutants':>8} {'killed':>7} {'timeout':>8} {'survived':>9} {'score':>6}")
    for module in chosen:
        tests = MODULES[module]
        counts = run(module, tests)
        killed, timeout = counts.get("ok_killed", 0), counts.get("bad_timeout", 0)
        survived = counts.get("bad_survived", 0) + counts.get("ok_suspicious", 0)
        total = killed + timeout + survived + counts.get("skipped", 0)
        # a mutant that makes the tests run for ever is caught too (mutmut's timeout)
        score = 100 * (killed + timeout) / total if total else 0
        print(f"{module:32} {total:8} {killed:7} {timeout:8} {survived:9} {score:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
