#!/usr/bin/env bash
# Times what a newcomer waits for: a fresh clone, `make run`, until the login page answers
# in Chinese. Usage: bench/make_run_fresh.sh [port]   (needs ../shared beside the project)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
port=${1:-8765}
dest="$(dirname "$src")/fresh-clone-bench"
rm -rf "$dest"
git clone -q "$src" "$dest"
cd "$dest"
# a fresh machine has no pip cache either
export PIP_NO_CACHE_DIR=1
start=$(date +%s)
sed -i "s/runserver 127.0.0.1:8000/runserver 127.0.0.1:$port/" Makefile
make run >"$dest/make-run.log" 2>&1 &
pid=$!
until curl -fsS "http://127.0.0.1:$port/login/" 2>/dev/null | grep -q "乡村治理平台"; do
  sleep 1
  if (( $(date +%s) - start > 600 )); then echo "no login page after 600 s"; kill $pid; exit 1; fi
done
echo "make run on a fresh clone: login page in Chinese after $(( $(date +%s) - start )) s"
pkill -f "runserver 127.0.0.1:$port" || true
cd "$src" && rm -rf "$dest"
