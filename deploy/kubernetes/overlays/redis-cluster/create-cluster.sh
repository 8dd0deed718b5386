#!/usr/bin/env bash
# The Job redis-cluster-init: creates the cluster from the StatefulSet's pods, once, and exits 0 when it is whole.
# A node that already has slots means the cluster exists (volumes kept): creating it again would fail or, forced, wipe
# it, so then the Job only waits for it to be whole. Whole: every node sees all 16384 slots served and every primary
# has a replica online. As redis-cluster-init in docker-compose.cluster.yml.
set -euo pipefail

nodes=()
for ((i = 0; i < ${NODE_COUNT:?}; i++)); do nodes+=("${STATEFULSET:?}-$i.${SERVICE:?}"); done
field() { redis-cli -h "$1" cluster info | tr -d '\r' | sed -n "s/^$2://p"; }

# The pods start alongside this Job: wait until each answers.
for n in "${nodes[@]}"; do
  for ((t = 0; ; t++)); do
    [[ $(redis-cli -h "$n" ping 2>/dev/null || true) == PONG* ]] && break
    if ((t >= 300)); then
      echo "$n does not answer PING after 5 min" >&2
      exit 1
    fi
    sleep 1
  done
done

existing=()
for n in "${nodes[@]}"; do [[ $(field "$n" cluster_slots_assigned) == 0 ]] || existing+=("$n"); done
if ((${#existing[@]} == 0)); then
  # Addresses, not names: the CLUSTER MEET that create sends refuses a name. Clients get names (announced hostnames).
  addresses=()
  for n in "${nodes[@]}"; do addresses+=("$(getent hosts "$n" | awk '{print $1; exit}'):6379"); done
  echo "creating the cluster: ${nodes[*]} (the first half primaries)"
  redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes
else
  echo "the cluster exists (slots assigned, seen by ${existing[*]}): not creating it again"
fi

whole() {
  local n info
  for n in "${nodes[@]}"; do
    [[ $(field "$n" cluster_state) == ok && $(field "$n" cluster_slots_ok) == 16384 ]] || return 1
    info=$(redis-cli -h "$n" info replication | tr -d '\r')
    if grep -q '^role:master' <<<"$info"; then grep -q '^slave0:.*state=online' <<<"$info" || return 1; fi
  done
}
for _ in $(seq 1 240); do
  if whole; then
    redis-cli -h "${nodes[0]}" cluster nodes
    echo "cluster ready"
    exit 0
  fi
  sleep 0.5
done
echo "the cluster is not whole after 2 min:" >&2
for n in "${nodes[@]}"; do echo "$n: $(field "$n" cluster_state), $(field "$n" cluster_slots_ok) slots ok" >&2; done
redis-cli -h "${nodes[0]}" cluster nodes >&2
exit 1
