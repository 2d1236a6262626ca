#!/usr/bin/env bash
# scripts/tempest.sh - measure novacell with Tempest: start `novacell up` on the quickstart topology
# (fresh data directory, API on a free port), run the conformance kit's run-tempest.sh with the tier
# regexes of /work/shared/conformance/README.md, stop novacell, print the SUMMARY line.
#
# usage: scripts/tempest.sh [1|2|12|<regex>]   (default 12: tier 1 and tier 2)
# environment:
#   CONFORMANCE   the conformance kit (default /work/shared/conformance)
#   TOPOLOGY      topology file (default topology/examples/quickstart.yaml)
#   WORKSPACE     Tempest workspace to keep (default a new temporary directory, kept)
#   KEEP_UP=1     leave novacell running afterwards (its pid is printed)
# Needs Debian's tempest and python3-openstackclient (apt-get install -y tempest python3-openstackclient).
# Exit status: run-tempest.sh's (0 when no test failed).
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFORMANCE=${CONFORMANCE:-/work/shared/conformance}
TOPOLOGY=${TOPOLOGY:-$HERE/topology/examples/quickstart.yaml}
TIER=${1:-12}

T1='^tempest\.api\.compute\.(test_versions|test_extensions|flavors\.|keypairs\.|limits\.|test_quotas|admin\.test_(flavors|hypervisor|services|availability_zone|aggregates|keypairs_v210))'
T2='^tempest\.api\.compute\.servers\.(test_create_server|test_servers\.|test_list_server_filters|test_list_servers_negative|test_delete_server|test_servers_negative|test_multiple_create|test_server_group|test_server_tags|test_instance_actions|test_server_actions|test_servers_microversions|test_disk_config|test_server_addresses|test_availability_zone)'
case "$TIER" in
  1) REGEX=$T1 ;;
  2) REGEX=$T2 ;;
  12) REGEX="($T1|$T2)" ;;
  *) REGEX=$TIER ;;
esac

[ -x "$CONFORMANCE/run-tempest.sh" ] || { echo "tempest.sh: no run-tempest.sh in $CONFORMANCE" >&2; exit 2; }
RUN=$(mktemp -d /tmp/novacell-tempest.XXXXXX)
DATA="$RUN/data"
WORKSPACE=${WORKSPACE:-$RUN/workspace}
echo "tempest.sh: data $DATA, workspace $WORKSPACE"

# Start novacell as its own process group, so stopping it stops everything it started.
setsid node "$HERE/node_modules/tsx/dist/cli.mjs" "$HERE/cli/main.ts" up "$TOPOLOGY" \
  --data-dir "$DATA" --api-listen 127.0.0.1:0 --broker-base-port 0 >"$RUN/novacell.out" 2>"$RUN/novacell.err" &
UP_PID=$!
stop_up() {
  if [ "${KEEP_UP:-0}" = 1 ]; then echo "tempest.sh: novacell left running (pid $UP_PID)"; return; fi
  kill -TERM -- "-$UP_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$UP_PID" 2>/dev/null || return; sleep 0.2; done
  kill -KILL -- "-$UP_PID" 2>/dev/null
}
trap stop_up EXIT

for _ in $(seq 1 120); do
  grep -q 'novacell is up' "$RUN/novacell.out" 2>/dev/null && break
  kill -0 "$UP_PID" 2>/dev/null || { echo "tempest.sh: novacell up failed:" >&2; cat "$RUN/novacell.out" "$RUN/novacell.err" >&2; exit 2; }
  sleep 0.5
done
BASE_URL=$(sed -n 's/^API \(http:[^ ]*\).*/\1/p' "$RUN/novacell.out")
[ -n "$BASE_URL" ] || { echo "tempest.sh: novacell did not come up" >&2; cat "$RUN/novacell.out" >&2; exit 2; }
echo "tempest.sh: novacell up at $BASE_URL"

# The quickstart's users (topology/examples/quickstart.yaml): admin, demo and alt_demo.
BASE_URL="$BASE_URL" WORKSPACE="$WORKSPACE" \
ADMIN_USERNAME=admin ADMIN_PASSWORD=secretadmin \
USER_USERNAME=demo USER_PASSWORD=secretdemo \
ALT_USERNAME=alt_demo ALT_PASSWORD=secretaltdemo \
TEST_REGEX="$REGEX" "$CONFORMANCE/run-tempest.sh" 2>&1 | tee "$RUN/run-tempest.out"
RC=${PIPESTATUS[0]}
echo "tempest.sh: full output in $RUN/run-tempest.out, results in $WORKSPACE/tempest/results.txt"
exit "$RC"
