#!/usr/bin/env bash
# `behflow` against the floor of its design (bench/floor.py: start Python, send the same HTTP
# request to the same server), Taskwarrior and todo.txt, in one run, 1,000 tasks each; then
# `task list` again at 10,000 tasks, and the peak memory of one call.
#
#   bash bench/cli.sh            # RUNS=40 WARMUP=5 by default
#
# Installs the peers from Debian's packages when missing (taskwarrior, todotxt-cli, hyperfine),
# starts a Behflow server on a free port with throw-away data, loads 1,000 tasks into each tool,
# then times `list`, `add` and `done` with hyperfine, for two installs of the CLI: the dev.py
# checkout (.venv, editable) and a normal `pip install` of the built wheel (its own venv; the
# dependencies come from .venv through one .pth line). Issue #15's target: each at most 1.5x
# the floor.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BEHFLOW="${BEHFLOW_BIN:-$ROOT/.venv/bin/behflow}"
PY="$ROOT/.venv/bin/python"
RUNS="${RUNS:-40}"
WARMUP="${WARMUP:-5}"
N=1000

need=()
command -v task >/dev/null || need+=(taskwarrior)
command -v todo-txt >/dev/null || need+=(todotxt-cli)
command -v hyperfine >/dev/null || need+=(hyperfine)
if ((${#need[@]})); then
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

WORK="$(mktemp -d)"
export BEHFLOW_CONFIG_DIR="$WORK/behflow/config" BEHFLOW_STATE_DIR="$WORK/behflow/state"
export BEHFLOW_DATA_DIR="$WORK/behflow/data" BEHFLOW_SCHEDULER_ENABLED=false
export BEHFLOW_LOG_LEVEL=warning PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
BEHFLOW_PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export BEHFLOW_PORT
unset BEHFLOW_URL BEHFLOW_TOKEN BEHFLOW_DATABASE_URL
export TASKRC="$WORK/taskrc" TASKDATA="$WORK/task"
export TODOTXT_CFG_FILE="$WORK/todo.cfg"
cleanup() { "$BEHFLOW" server stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
PIPENV="$WORK/pipenv"
"$PY" -m pip wheel -q --no-deps --disable-pip-version-check -w "$WORK/wheel" "$ROOT" >/dev/null
"$PY" -m venv --without-pip "$PIPENV"
"$PY" -m pip --python "$PIPENV/bin/python" install -q --no-deps --disable-pip-version-check \
    "$WORK"/wheel/behflow-*.whl >/dev/null
SITE="$("$PIPENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
"$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' >"$SITE/zz_behflow_deps.pth"
PIPBEHFLOW="$PIPENV/bin/behflow"
trap cleanup EXIT

# Taskwarrior: quiet, no confirmations; 1,000 tasks through its own import.
mkdir -p "$TASKDATA" "$WORK/todo"
printf 'data.location=%s\nconfirmation=off\nverbose=nothing\nhooks=off\n' "$TASKDATA" >"$TASKRC"
"$PY" - "$N" >"$WORK/tasks.json" <<'PYEOF'
import json, sys, uuid
n = int(sys.argv[1])
print("\n".join(json.dumps({"uuid": str(uuid.uuid4()), "description": f"task {i}",
      "status": "pending", "entry": "20261124T000000Z"}) for i in range(1, n + 1)))
PYEOF
task import "$WORK/tasks.json" >/dev/null 2>&1

# todo.txt: its file is the store.
printf 'export TODO_DIR=%s\nexport TODO_FILE=$TODO_DIR/todo.txt\nexport DONE_FILE=$TODO_DIR/done.txt\nexport REPORT_FILE=$TODO_DIR/report.txt\n' "$WORK/todo" >"$TODOTXT_CFG_FILE"
seq 1 "$N" | sed 's/^/task /' >"$WORK/todo/todo.txt"

# Behflow: the default local server (autostarted by the first call), one account, 1,000 tasks.
"$BEHFLOW" server start --background >/dev/null 2>&1
printf 'bench-password\n' | "$BEHFLOW" register --username bench --password-stdin 2>/dev/null
load_start=$(date +%s.%N)
seq 1 "$N" | sed 's/^/task /' | "$BEHFLOW" task add - >/dev/null
load_end=$(date +%s.%N)
echo "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
TOKEN="$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(iter(next(iter(d.values())).values())))' "$BEHFLOW_CONFIG_DIR/tokens.json")"
URL="http://127.0.0.1:$BEHFLOW_PORT"
FLOOR="$PY $ROOT/bench/floor.py $URL $TOKEN"

echo "loaded: taskwarrior $(task count) tasks, todo.txt $(wc -l <"$WORK/todo/todo.txt") lines," \
    "behflow $("$BEHFLOW" task list --limit 1000 --json number | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))') tasks" \
    "($(printf '%.1f' "$(echo "$load_end - $load_start" | bc)") s for 1,000 through \`behflow task add -\`)"

HF=(hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style none)
"${HF[@]}" --export-json "$WORK/list.json" \
    -n "floor: GET /tasks?limit=50" "$FLOOR GET /api/v1/tasks?limit=50" \
    -n "behflow task list --limit 50" "$BEHFLOW task list --limit 50" \
    -n "behflow task list --limit 50 (pip install)" "$PIPBEHFLOW task list --limit 50" \
    -n "task list" "task list" \
    -n "todo-txt ls" "todo-txt -p ls" \
    -n "python -c pass (interpreter)" "$PY -c pass" >/dev/null
"${HF[@]}" --export-json "$WORK/add.json" \
    -n "floor: POST /tasks/quick" "$FLOOR POST /api/v1/tasks/quick '{\"text\":\"Buy milk\"}'" \
    -n "behflow task add Buy milk" "$BEHFLOW task add Buy milk" \
    -n "behflow task add Buy milk (pip install)" "$PIPBEHFLOW task add Buy milk" \
    -n "task add" "task add Buy milk" \
    -n "todo-txt add" "todo-txt add Buy milk" >/dev/null
# Completing the same task again is the same request and the same server work (idempotent).
"${HF[@]}" -i --export-json "$WORK/done.json" \
    -n "floor: POST /tasks/bulk/complete" "$FLOOR POST /api/v1/tasks/bulk/complete '{\"numbers\":[5]}'" \
    -n "behflow task done 5" "$BEHFLOW task done 5" \
    -n "behflow task done 5 (pip install)" "$PIPBEHFLOW task done 5" \
    -n "task 5 done" "task 5 done" \
    -n "todo-txt do 5" "todo-txt -f do 5" >/dev/null

# 10,000 tasks: 9,000 more through three imports (a request body is at most 1 MiB).
for part in 1 2 3; do
    "$PY" - 3000 >"$WORK/more.json" <<'PYEOF'
import json, sys, uuid
n = int(sys.argv[1])
print(json.dumps([{"uuid": str(uuid.uuid4()), "description": f"more {i}", "status": "pending",
      "entry": "20261124T000000Z"} for i in range(n)]))
PYEOF
    "$BEHFLOW" import --format taskwarrior "$WORK/more.json" >/dev/null
done
echo "open tasks now: $("$PY" -c 'import json,sys,urllib.request as u; r=u.Request(sys.argv[1]+"/api/v1/tasks?limit=1", headers={"Authorization": "Bearer "+sys.argv[2]}); print(json.load(u.urlopen(r))["total"])' "$URL" "$TOKEN")"
"${HF[@]}" --export-json "$WORK/list10k.json" \
    -n "floor at 10,000: GET /tasks?limit=50" "$FLOOR GET /api/v1/tasks?limit=50" \
    -n "behflow task list --limit 50 at 10,000" "$BEHFLOW task list --limit 50" \
    -n "behflow task list --limit 50 at 10,000 (pip install)" "$PIPBEHFLOW task list --limit 50" >/dev/null

"$PY" - "$WORK" <<'PYEOF'
import json, resource, subprocess, sys
work = sys.argv[1]
print("| Command | Median (ms) | Mean ± σ (ms) | CPU user (ms) | vs floor | vs Taskwarrior | target ≤ 1.5× floor |")
print("|---|---|---|---|---|---|---|")
for name in ("list", "add", "done", "list10k"):
    results = json.load(open(f"{work}/{name}.json"))["results"]
    floor = next(r for r in results if r["command"].startswith("floor"))["median"]
    peer = next((r for r in results if r["command"].startswith("task ")), None)
    for r in results:
        vs_peer = f"{r['median'] / peer['median']:.2f}×" if peer else "–"
        verdict = ""
        if r["command"].startswith("behflow"):
            verdict = "met" if r["median"] <= 1.5 * floor else "NOT met"
        print(f"| `{r['command']}` | {r['median'] * 1000:.1f} | {r['mean'] * 1000:.1f} ± "
              f"{r['stddev'] * 1000:.1f} | {r['user'] * 1000:.1f} | {r['median'] / floor:.2f}× | "
              f"{vs_peer} | {verdict} |")
PYEOF
for binary in "$BEHFLOW" "$PIPBEHFLOW"; do
    kind=$([[ "$binary" == "$PIPBEHFLOW" ]] && echo "pip install" || echo "dev.py")
    for cmd in "task list --limit 50" "task add Buy milk" "task done 5"; do
        # shellcheck disable=SC2086  # the words of $cmd are its arguments
        kb=$(/usr/bin/time -f %M "$binary" $cmd 2>&1 >/dev/null | tail -1)
        echo "peak memory of \`behflow $cmd\` ($kind): $((kb / 1024)) MB (target < 30 MB)"
    done
done
echo "load average after timing: $(cut -d' ' -f1-3 /proc/loadavg)"
