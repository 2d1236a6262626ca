#!/usr/bin/env bash
# scripts/tempest-consoles.sh - Tempest's console tests against a real guest: start `novacell up` on
# test/fixtures/topology/consoles.yaml (a QEMU host, the console proxies on loopback), register the
# guest image (scripts/register-guest-image.sh), then run the conformance kit's run-tempest.sh with
# vnc_console = true on the noVNC tests and the console actions of test_server_actions.
#
# usage: scripts/tempest-consoles.sh [<regex>]
# environment: CONFORMANCE (default ../shared/conformance beside this repository), WORKSPACE, KEEP_UP=1.
# Guests that Tempest leaves behind are killed by pid from the data directory on exit.
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFORMANCE=${CONFORMANCE:-$(cd "$HERE/../shared/conformance" 2>/dev/null && pwd)}
REGEX=${1:-'^tempest\.api\.compute\.servers\.(test_novnc\.|test_server_actions\.ServerActionsTestJSON\.test_get_(vnc_console|console_output))'}
RUN=$(mktemp -d /tmp/novacell-tempest-consoles.XXXXXX)
DATA="$RUN/data"
WORKSPACE=${WORKSPACE:-$RUN/workspace}
echo "tempest-consoles.sh: data $DATA, workspace $WORKSPACE"

setsid node "$HERE/node_modules/tsx/dist/cli.mjs" "$HERE/cli/main.ts" up "$HERE/test/fixtures/topology/consoles.yaml" \
  --data-dir "$DATA" --api-listen 127.0.0.1:0 --broker-base-port 0 >"$RUN/novacell.out" 2>"$RUN/novacell.err" &
UP_PID=$!
stop_up() {
  if [ "${KEEP_UP:-0}" = 1 ]; then echo "tempest-consoles.sh: novacell left running (pid $UP_PID)"; return; fi
  kill -TERM -- "-$UP_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$UP_PID" 2>/dev/null
  # Guests outlive the control plane by design: stop the ones this run started.
  for pidfile in "$DATA"/instances/*/*/qemu.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile"); uuid=$(basename "$(dirname "$pidfile")")
    grep -q "$uuid" "/proc/$pid/cmdline" 2>/dev/null && kill "$pid"
  done
}
trap stop_up EXIT

for _ in $(seq 1 120); do
  grep -q 'novacell is up' "$RUN/novacell.out" 2>/dev/null && break
  kill -0 "$UP_PID" 2>/dev/null || { echo "tempest-consoles.sh: novacell up failed:" >&2; cat "$RUN/novacell.out" "$RUN/novacell.err" >&2; exit 2; }
  sleep 0.5
done
BASE_URL=$(sed -n 's/^API \(http:[^ ]*\).*/\1/p' "$RUN/novacell.out")
CLOUDS=$(sed -n 's/^clouds.yaml: \([^ ]*\).*/\1/p' "$RUN/novacell.out")
[ -n "$BASE_URL" ] || { echo "tempest-consoles.sh: novacell did not come up" >&2; exit 2; }
echo "tempest-consoles.sh: novacell up at $BASE_URL"
IMAGE=$(OS_CLIENT_CONFIG_FILE="$CLOUDS" OS_CLOUD=novacell "$HERE/scripts/register-guest-image.sh" | tail -1)

BASE_URL="$BASE_URL" WORKSPACE="$WORKSPACE" IMAGE_REF="$IMAGE" IMAGE_REF_ALT="$IMAGE" FLAVOR_REF=42 FLAVOR_REF_ALT=42 \
ADMIN_USERNAME=admin ADMIN_PASSWORD=secretadmin USER_USERNAME=demo USER_PASSWORD=secretdemo \
ALT_USERNAME=alt_demo ALT_PASSWORD=secretaltdemo BUILD_TIMEOUT=240 \
COMPUTE_FEATURES=disk_config,enable_instance_password,console_output,vnc_console \
TEST_REGEX="$REGEX" "$CONFORMANCE/run-tempest.sh" 2>&1 | tee "$RUN/run-tempest.out"
RC=${PIPESTATUS[0]}
echo "tempest-consoles.sh: full output in $RUN/run-tempest.out"
exit "$RC"
