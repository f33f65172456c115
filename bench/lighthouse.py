"""Lighthouse on the public pages (issue 9): `make lighthouse`.

Installs the npm package `lighthouse` into var/node once (the npm registry), serves the
demo data as `make bench-public` does (gunicorn, production settings) and runs Lighthouse's
mobile preset (its default: a mid-range phone, a slow 4G network) with Debian's chromium
on the public household page, the village leaderboard, the village's notice board and its
produce market (issue 11), performance and accessibility. Ends with one line:

    household_performance=<x> household_accessibility=<x>
    leaderboard_performance=<x> leaderboard_accessibility=<x>
    board_performance=<x> board_accessibility=<x>
    market_performance=<x> market_accessibility=<x>   (on one line)

Target: 0.95 each. Results go in docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import public
import registry

NODE = registry.ROOT / "var" / "node"
CHROMIUM = "/usr/bin/chromium"


def ensure_lighthouse() -> Path:
    binary = NODE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        registry.say("installing lighthouse from the npm registry")
        NODE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", "lighthouse@13"],
            cwd=NODE,
            check=True,
        )
    return binary


def scores(binary: Path, url: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                str(binary),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                "--only-categories=performance,accessibility",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ],
            check=True,
            env={**registry.ENV, "CHROME_PATH": CHROMIUM},
        )
        categories = json.loads(report.read_text())["categories"]
    return categories["performance"]["score"], categories["accessibility"]["score"]


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-microhei")
    binary = ensure_lighthouse()
    token, village = public.prepare()
    base = f"http://127.0.0.1:{registry.PORT}"
    with public.serving():
        house = scores(binary, f"{base}/h/{token}/")
        board = scores(binary, f"{base}/v/{village}/points/")
        notices = scores(binary, f"{base}/v/{village}/")
        market = scores(binary, f"{base}/v/{village}/market/")
    print(
        f"household_performance={house[0]:.2f} household_accessibility={house[1]:.2f} "
        f"leaderboard_performance={board[0]:.2f} leaderboard_accessibility={board[1]:.2f} "
        f"board_performance={notices[0]:.2f} board_accessibility={notices[1]:.2f} "
        f"market_performance={market[0]:.2f} market_accessibility={market[1]:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
