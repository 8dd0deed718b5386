#!/usr/bin/env bash
# Starts one node of the Redis Cluster (a pod of the StatefulSet redis-cluster), after refreshing the peer addresses
# its nodes.conf remembers.
#
# Nodes talk to each other by address, and a pod's address changes whenever the pod is recreated; nodes.conf keeps
# the old ones. One node moving is healed by the others (they see its new address on its messages), but after the
# whole cluster restarted, every node would knock at addresses that are gone. Each node is also known by its
# announced hostname (the pod's DNS name under the headless Service, which publishes not-ready pods too), so
# every line of nodes.conf is given that name's current address before the server reads it.
set -euo pipefail

cd /data
self_ip=${POD_IP:?must be set to the pod address (downward API, status.podIP)}
self_name=$(hostname -f)

if [[ -s nodes.conf ]]; then
  awk -v self="$self_ip" '
    $2 ~ /^[0-9.]+:[0-9]+@[0-9]+/ {
      if ($3 ~ /(^|,)myself(,|$)/) {
        sub(/^[0-9.]+:/, self ":", $2)
      } else {
        split($2, parts, ",")
        host = parts[2]
        if (host ~ /^[A-Za-z0-9.-]+$/) {
          ip = ""
          command = "getent hosts " host
          if ((command | getline found) > 0) { split(found, fields, " "); ip = fields[1] }
          close(command)
          if (ip ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) sub(/^[0-9.]+:/, ip ":", $2)
        }
      }
    }
    { print }
  ' nodes.conf >nodes.conf.refreshed
  mv nodes.conf.refreshed nodes.conf
fi

# As docker-compose.cluster.yml runs each node: AOF, noeviction (BullMQ), a failed primary replaced within about
# 5-10 s, the other shards serving while one is down. Clients are sent hostnames (the slot map, MOVED) and resolve
# them through the cluster's DNS; peers are told the pod's current address. No password, as in compose: any pod of
# the cluster may connect (a NetworkPolicy is how to narrow that).
exec redis-server --protected-mode no \
  --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
  --cluster-require-full-coverage no \
  --cluster-announce-ip "$self_ip" --cluster-announce-hostname "$self_name" --cluster-preferred-endpoint-type hostname \
  --appendonly yes --appendfsync everysec --maxmemory "${MAXMEMORY:-768mb}" --maxmemory-policy noeviction
