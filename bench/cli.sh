#!/usr/bin/env bash
# `behflow` against Taskwarrior and todo.txt on this machine, in one run, 1,000 tasks each.
#
#   bash bench/cli.sh            # RUNS=40 WARMUP=5 by default
#
# Installs the peers from Debian's packages when missing (taskwarrior, todotxt-cli, hyperfine),
# starts a Behflow server on a free port with throw-away data, loads 1,000 tasks into each tool,
# then times `list` and `add` with hyperfine and prints medians and the ratios to Taskwarrior.
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

echo "loaded: taskwarrior $(task count) tasks, todo.txt $(wc -l <"$WORK/todo/todo.txt") lines," \
    "behflow $("$BEHFLOW" task list --limit 1000 --json number | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))') tasks" \
    "($(printf '%.1f' "$(echo "$load_end - $load_start" | bc)") s for 1,000 through \`behflow task add -\`)"

HF=(hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style none)
"${HF[@]}" --export-json "$WORK/list.json" \
    -n "behflow task list" "$BEHFLOW task list" \
    -n "behflow task list --limit 1000" "$BEHFLOW task list --limit 1000" \
    -n "task list" "task list" \
    -n "todo-txt ls" "todo-txt -p ls" \
    -n "python -c pass (interpreter floor)" "$PY -c pass" >/dev/null
"${HF[@]}" --export-json "$WORK/add.json" \
    -n "behflow task add" "$BEHFLOW task add Buy milk" \
    -n "behflow task add --due tomorrow" "$BEHFLOW task add Buy milk --due tomorrow" \
    -n "task add" "task add Buy milk" \
    -n "todo-txt add" "todo-txt add Buy milk" >/dev/null
"$PY" - "$WORK/list.json" "$WORK/add.json" <<'PYEOF'
import json, sys
print("| Command | Median (ms) | Mean ± σ (ms) | CPU user (ms) | Median vs Taskwarrior |")
print("|---|---|---|---|---|")
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    base = next(r for r in results if r["command"].startswith("task "))["median"]
    for r in results:
        print(f"| `{r['command']}` | {r['median'] * 1000:.1f} | {r['mean'] * 1000:.1f} ± "
              f"{r['stddev'] * 1000:.1f} | {r['user'] * 1000:.1f} | {r['median'] / base:.2f}× |")
PYEOF
