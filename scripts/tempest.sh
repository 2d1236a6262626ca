#!/usr/bin/env bash
# scripts/tempest.sh - measure novacell with Tempest: start `novacell up` on the quickstart topology
# (fresh data directory, API on a free port), run the conformance kit's run-tempest.sh with the tier
# regexes of ../shared/conformance/README.md, stop novacell, print the SUMMARY line.
#
# usage: scripts/tempest.sh [1|2|12|core|wide|<regex>]   (default 12: tier 1 and tier 2)
#   core  the kit's target-tests-core.txt (443 tests), the kit's default feature flags
#   wide  every tempest.api.compute test (the kit's default exclusions), with the console, migration,
#         personality and xenapi flags on as well (vnc_console, cold_migration, live_migration,
#         personality, xenapi_apis), block migration for live migration, min_compute_nodes 2 and
#         SameHostFilter/DifferentHostFilter enabled (in novacell and in tempest.conf):
#         the quickstart's cells are replaced by one leaf cell with two large fake compute hosts
#         (a live migration or a host-to-host move needs both in one cell), whose guests offer the
#         VNC display of a headless QEMU started for the run (`-machine none`), so the noVNC tests
#         talk RFB to a real VNC server through novacell's proxy.
# environment:
#   CONFORMANCE   the conformance kit (default ../shared/conformance beside this repository)
#   TOPOLOGY      topology file (default topology/examples/quickstart.yaml)
#   WORKSPACE     Tempest workspace to keep (default a new temporary directory, kept)
#   CONCURRENCY   Tempest workers (default 1; 2 for core and wide). Each worker needs its own admin
#                 and two member accounts: for N > 1 the topology is copied with admin2, demo2,
#                 alt_demo2, ... added, and they are handed to Tempest as EXTRA_ACCOUNTS.
#   KEEP_UP=1     leave novacell running afterwards (its pid is printed)
# [compute] fixed_network_name stays empty: with it set, Tempest looks the network up through
# os-networks at each test's microversion, and os-networks is gone from 2.36 (as in Nova), so every
# test above 2.35 that boots a server would fail (see docs/conformance.md).
# Needs Debian's tempest and python3-openstackclient (apt-get install -y tempest python3-openstackclient),
# and for wide qemu-system-x86 (the VNC server).
# Exit status: run-tempest.sh's (0 when no test failed).
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFORMANCE=${CONFORMANCE:-$(cd "$HERE/../shared/conformance" 2>/dev/null && pwd)}
TOPOLOGY=${TOPOLOGY:-$HERE/topology/examples/quickstart.yaml}
TIER=${1:-12}

T1='^tempest\.api\.compute\.(test_versions|test_extensions|flavors\.|keypairs\.|limits\.|test_quotas|admin\.test_(flavors|hypervisor|services|availability_zone|aggregates|keypairs_v210))'
T2='^tempest\.api\.compute\.servers\.(test_create_server|test_servers\.|test_list_server_filters|test_list_servers_negative|test_delete_server|test_servers_negative|test_multiple_create|test_server_group|test_server_tags|test_instance_actions|test_server_actions|test_servers_microversions|test_disk_config|test_server_addresses|test_availability_zone)'
case "$TIER" in
  1) REGEX=$T1 ;;
  2) REGEX=$T2 ;;
  12) REGEX="($T1|$T2)" ;;
  core) REGEX='' ;;
  wide) REGEX='^tempest\.api\.compute\.' ;;
  *) REGEX=$TIER ;;
esac
CONCURRENCY=${CONCURRENCY:-$(case "$TIER" in core|wide) echo 2 ;; *) echo 1 ;; esac)}
LOAD_LIST_FILE=$([ "$TIER" = core ] && echo "$CONFORMANCE/target-tests-core.txt")

[ -n "$CONFORMANCE" ] && [ -x "$CONFORMANCE/run-tempest.sh" ] || { echo "tempest.sh: no run-tempest.sh in ${CONFORMANCE:-../shared/conformance}" >&2; exit 2; }
RUN=$(mktemp -d /tmp/novacell-tempest.XXXXXX)
DATA="$RUN/data"
WORKSPACE=${WORKSPACE:-$RUN/workspace}
echo "tempest.sh: data $DATA, workspace $WORKSPACE"

# Accounts for workers 2..N: a copy of the topology with their projects and users, and the same
# accounts in Tempest's accounts.yaml format.
EXTRA_ACCOUNTS_FILE=""
if [ "$CONCURRENCY" -gt 1 ]; then
  EXTRA_ACCOUNTS_FILE="$RUN/extra-accounts.yaml"
  /usr/bin/python3 - "$TOPOLOGY" "$RUN/topology.yaml" "$EXTRA_ACCOUNTS_FILE" "$CONCURRENCY" <<'PYEOF'
import sys, yaml
src, dst, accounts, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
topo = yaml.safe_load(open(src))
topo.pop('data_dir', None)
extra = []
for i in range(2, n + 1):
    for name, role in (('admin', 'admin'), ('demo', 'member'), ('alt_demo', 'member')):
        user, project, password = f'{name}{i}', f'{name}{i}', f'secret{name.replace("_", "")}{i}'
        topo['projects'].append({'name': project, 'description': f'Tempest worker {i}'})
        topo['users'].append({'name': user, 'password': password, 'project': project, 'roles': [role]})
        entry = {'username': user, 'password': password, 'project_name': project,
                 'user_domain_name': 'Default', 'project_domain_name': 'Default'}
        entry.update({'types': ['admin']} if role == 'admin' else {'roles': ['member', 'reader']})
        extra.append(entry)
yaml.safe_dump(topo, open(dst, 'w'), sort_keys=False)
open(accounts, 'w').write(yaml.safe_dump(extra, sort_keys=False))
PYEOF
  [ $? -eq 0 ] || { echo "tempest.sh: could not write the accounts of $CONCURRENCY workers" >&2; exit 2; }
  TOPOLOGY="$RUN/topology.yaml"
fi

# wide: a headless QEMU's VNC server for the fake guests' consoles, one leaf cell with two hosts,
# the kit's extra feature flags and block migration.
VNC_PID=""
stop_vnc() { if [ -n "$VNC_PID" ]; then kill "$VNC_PID" 2>/dev/null; fi; }
WIDE_ENV=()
if [ "$TIER" = wide ]; then
  VNC_PORT=$(/usr/bin/python3 -c '
import socket
for port in range(5910, 6000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); s.close(); print(port); break
    except OSError:
        s.close()')
  [ -n "$VNC_PORT" ] || { echo "tempest.sh: no free VNC port in 5910-5999" >&2; exit 2; }
  qemu-system-x86_64 -machine none -nodefaults -display none -vnc "127.0.0.1:$((VNC_PORT - 5900))" \
    -daemonize -pidfile "$RUN/vnc-qemu.pid" >"$RUN/vnc-qemu.out" 2>&1 \
    || { echo "tempest.sh: the VNC server (qemu-system-x86_64) did not start:" >&2; cat "$RUN/vnc-qemu.out" >&2; exit 2; }
  VNC_PID=$(cat "$RUN/vnc-qemu.pid")
  trap stop_vnc EXIT
  /usr/bin/python3 - "$TOPOLOGY" "$RUN/topology-wide.yaml" "127.0.0.1:$VNC_PORT" <<'PYEOF'
import sys, yaml
src, dst, vnc = sys.argv[1], sys.argv[2], sys.argv[3]
topo = yaml.safe_load(open(src))
topo.pop('data_dir', None)
topo['description'] = 'Tempest wide run: one leaf cell with two compute hosts'
topo['cell']['children'] = [{
    'name': 'cell1',
    'description': 'Two fake compute hosts, large enough for two Tempest workers',
    'hosts': [{'names': 'compute[01:02]', 'driver': 'fake',
               'driver_options': {'spawn_time_ms': 200, 'vnc_console': vnc},
               'vcpus': 64, 'memory_mb': 262144, 'disk_gb': 8000}],
}]
# Scheduler hints same_host / different_host (Tempest's multinode tests need the two filters on).
filters = topo['cell'].setdefault('nova', {}).setdefault('filter_scheduler.enabled_filters', [])
for f in ('SameHostFilter', 'DifferentHostFilter'):
    if f not in filters:
        filters.append(f)
# The ssd aggregate's hosts are gone: so is the flavor that only lands there.
topo.pop('aggregates', None)
topo['flavors'] = [f for f in topo['flavors'] if 'aggregate_instance_extra_specs:ssd' not in f.get('extra_specs', {})]
yaml.safe_dump(topo, open(dst, 'w'), sort_keys=False)
PYEOF
  [ $? -eq 0 ] || { echo "tempest.sh: could not write the wide topology" >&2; exit 2; }
  TOPOLOGY="$RUN/topology-wide.yaml"
  FILTERS=$(/usr/bin/python3 -c 'import sys, yaml; print(",".join(yaml.safe_load(open(sys.argv[1]))["cell"]["nova"]["filter_scheduler.enabled_filters"]))' "$TOPOLOGY")
  printf '[compute-feature-enabled]\nblock_migration_for_live_migration = true\nscheduler_enabled_filters = %s\n' "$FILTERS" >"$RUN/wide.conf"
  WIDE_ENV=(MIN_COMPUTE_NODES=2 EXTRA_CONF="$RUN/wide.conf"
    COMPUTE_FEATURES=disk_config,enable_instance_password,console_output,pause,suspend,shelve,resize,rescue,snapshot,change_password,vnc_console,cold_migration,live_migration,personality,xenapi_apis)
fi

# Start novacell as its own process group, so stopping it stops everything it started.
setsid node "$HERE/node_modules/tsx/dist/cli.mjs" "$HERE/cli/main.ts" up "$TOPOLOGY" \
  --data-dir "$DATA" --api-listen 127.0.0.1:0 --broker-base-port 0 >"$RUN/novacell.out" 2>"$RUN/novacell.err" &
UP_PID=$!
stop_up() {
  if [ "${KEEP_UP:-0}" = 1 ]; then echo "tempest.sh: novacell left running (pid $UP_PID${VNC_PID:+, VNC server pid $VNC_PID})"; return; fi
  kill -TERM -- "-$UP_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$UP_PID" 2>/dev/null
  stop_vnc
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
BASE_URL="$BASE_URL" WORKSPACE="$WORKSPACE" BUILD_TIMEOUT="${BUILD_TIMEOUT:-120}" \
ADMIN_USERNAME=admin ADMIN_PASSWORD=secretadmin \
USER_USERNAME=demo USER_PASSWORD=secretdemo \
ALT_USERNAME=alt_demo ALT_PASSWORD=secretaltdemo \
CONCURRENCY="$CONCURRENCY" EXTRA_ACCOUNTS="$EXTRA_ACCOUNTS_FILE" \
LOAD_LIST="$LOAD_LIST_FILE" TEST_REGEX="$REGEX" env ${WIDE_ENV[@]+"${WIDE_ENV[@]}"} "$CONFORMANCE/run-tempest.sh" 2>&1 | tee "$RUN/run-tempest.out"
RC=${PIPESTATUS[0]}
echo "tempest.sh: full output in $RUN/run-tempest.out, results in $WORKSPACE/tempest/results.txt"
exit "$RC"
