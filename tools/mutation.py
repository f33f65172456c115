"""`make mutation`: mutation testing (mutmut 2) of the modules where a fault would hurt
most: the one scoping mechanism, the one masking function, the screening's scoring and the
points ledger. Each module is mutated in place, one mutant at a time, and the tests that
guard it run against each (stopping at the first failure); a mutant the tests do not
notice "survived". Prints one line a module and the score; docs/testing.md keeps them.

Run it on a clean tree (it rewrites the files it mutates while it runs, and puts them
back). The scoring's SQL differs by database: with MUTATION_DATABASE_URL (a PostgreSQL
server) its mutants are run against SQLite and PostgreSQL both. A run takes about an hour
on two cores; `tools/mutation.py villages/scoping.py` runs one module.

mutmut 2.5 sometimes stalls after a mutant's run with no test process left; a mutant
that makes no progress for STALL seconds has mutmut restarted from its cache (the module
put back first), and mutants it still cannot run are counted as survivors.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = f"{sys.executable} -m pytest -x -q -p no:randomly -p no:cacheprovider"
STALL = 150
# module → the tests that guard it (a focused set: each runs once per mutant)
MODULES = {
    "common/masking.py": [
        "common/tests/test_masking.py",
        "common/tests/test_forget_public_clients.py",
        "households/tests/test_idnumbers.py",
        "households/tests/test_models.py",
    ],
    # (the permission matrix checks scoping through every page in the suite; its 800 cases
    # a mutant are too slow here, so the functions have their own tests)
    "villages/scoping.py": [
        "villages/tests/test_scoping.py",
        "villages/tests/test_regions.py",
        "villages/tests/test_separation.py",
    ],
    "monitoring/screening/score.py": [
        "monitoring/tests/test_screening.py",
        "monitoring/tests/test_boundaries.py",
    ],
    "points/services.py": [
        "points/tests/test_refusals.py",
        "points/tests/test_services.py",
        "points/tests/test_ledger_stateful.py",
        "points/tests/test_views.py",
    ],
}
BOTH_DATABASES = {"monitoring/screening/score.py"}


def _runner(module: str, tests: list[str]) -> str:
    command = f"{PYTEST} {' '.join(tests)}"
    url = os.environ.get("MUTATION_DATABASE_URL")
    if module not in BOTH_DATABASES or not url:
        return command
    # mutmut runs its runner without a shell: a script runs the two passes
    script = ROOT / "var" / "mutation-both.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"set -e\n{command}\nDATABASE_URL={url} {command}\n")
    return f"bash {script}"


def _counts(cache: Path) -> dict[str, int]:
    try:
        with sqlite3.connect(cache) as db:
            return dict(db.execute("SELECT status, COUNT(*) FROM Mutant GROUP BY status"))
    except sqlite3.Error:
        return {}


def run(module: str, tests: list[str]) -> dict[str, int]:
    cache = ROOT / ".mutmut-cache"
    cache.unlink(missing_ok=True)
    runner = _runner(module, tests)
    previous: dict[str, int] | None = None
    while True:
        subprocess.run(["git", "checkout", "--", module], cwd=ROOT, check=True)  # noqa: S603, S607 (git, our module)
        mutmut = subprocess.Popen(  # noqa: S603 (our own interpreter and tests)
            [
                sys.executable,
                "-m",
                "mutmut",
                "run",
                "--paths-to-mutate",
                module,
                "--runner",
                runner,
                "--no-progress",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        last, since = _counts(cache), time.monotonic()
        while mutmut.poll() is None:
            time.sleep(5)
            now = _counts(cache)
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since > STALL:
                mutmut.kill()
                mutmut.wait()
                break
        counts = _counts(cache)
        if not counts.get("untested") or counts == previous:
            break  # done, or mutmut ends at once with the same mutants left
        previous = counts
    subprocess.run(["git", "checkout", "--", module], cwd=ROOT, check=True)  # noqa: S603, S607 (git, our module)
    survived = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    name = module.replace("/", "_").removesuffix(".py")
    (ROOT / "test-artifacts" / f"mutation-{name}.txt").write_text(survived)
    return counts


def main() -> int:
    """`tools/mutation.py [module ...]`: the modules named, or all four."""
    chosen = sys.argv[1:] or list(MODULES)
    print(f"{'module':32} {'mutants':>8} {'killed':>7} {'timeout':>8} {'survived':>9} {'score':>6}")
    for module in chosen:
        counts = run(module, MODULES[module])
        killed, timeout = counts.get("ok_killed", 0), counts.get("bad_timeout", 0)
        survived = sum(counts.get(k, 0) for k in ("bad_survived", "ok_suspicious", "untested"))
        total = killed + timeout + survived + counts.get("skipped", 0)
        # a mutant that makes the tests run for ever is caught too (mutmut's timeout)
        score = 100 * (killed + timeout) / total if total else 0
        print(
            f"{module:32} {total:8} {killed:7} {timeout:8} {survived:9} {score:5.1f}%", flush=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
