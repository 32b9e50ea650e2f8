#!/bin/sh
# prestop.sh <redis|sentinel>: the preStop hook of the Redis and Sentinel containers.
#
# Stopping the primary (a rolling update, a drain, an eviction) would otherwise be an unplanned
# failover: Sentinel notices only after down-after-milliseconds, writes are refused all along,
# and the restarted pod may be promoted again. Here the primary's pod hands over first:
#   1. pause writes (clients wait instead of failing, and nothing lands on a node about to be
#      demoted), and let a replica catch up with the last ones;
#   2. ask Sentinel for a failover (SENTINEL FAILOVER) and wait until it names the new primary;
#   3. follow the new primary at once (Sentinel would demote this node only seconds later),
#      which ends the pause: waiting writes get READONLY, and the platform's clients reconnect
#      through Sentinel to the new primary.
# The Sentinel container's hook waits for the same moment, so the Sentinel running the
# failover is alive until it is done. On a replica, or without Sentinel, both return at once.
set -u
[ "$SENTINEL" = "true" ] || exit 0
tls_args=""
if [ "$TLS" = "true" ]; then
  tls_args="--tls --cacert /opt/redis/tls/ca.crt --cert /opt/redis/tls/tls.crt --key /opt/redis/tls/tls.key"
fi
secrets_dir="${SECRETS_DIR:-/opt/redis/secrets}"
password=""
sentinel_password=""
if [ "$AUTH" = "true" ]; then
  password="$(cat "$secrets_dir/$PASSWORD_KEY")"
  sentinel_password="$(cat "$secrets_dir/$SENTINEL_PASSWORD_KEY")"
fi
timeout_s="${PRESTOP_TIMEOUT_SECONDS:-20}"

redis() { # shellcheck disable=SC2086
  REDISCLI_AUTH="$password" timeout 3 redis-cli $tls_args -h localhost -p "$REDIS_PORT" "$@" 2>/dev/null
}
sentinel() { # shellcheck disable=SC2086
  REDISCLI_AUTH="$sentinel_password" timeout 3 redis-cli $tls_args -h localhost -p "$SENTINEL_PORT" "$@" 2>/dev/null
}
is_primary() { [ "$(redis role | head -n 1)" = "master" ]; }
primary_address() { sentinel sentinel get-master-addr-by-name "$MASTER_SET" | tr '\n' ' '; }
# The replicas Sentinel knows, as "host port" lines.
replica_addresses() {
  sentinel sentinel replicas "$MASTER_SET" | awk 'key == "ip" { ip = $0 } key == "port" { print ip, $0 } { key = $0 }'
}
# Whether some replica has every write up to offset $1: its own offset, asked directly (the
# primary hears the replicas' acknowledgements only once a second).
replica_caught_up() {
  printf '%s\n' "$replicas" | {
    while read -r host port; do
      [ -n "$host" ] || continue
      # shellcheck disable=SC2086
      offset="$(REDISCLI_AUTH="$password" timeout 2 redis-cli $tls_args -h "$host" -p "$port" info replication 2>/dev/null |
        tr -d '\r' | awk -F: '$1 == "slave_repl_offset" { print $2 }')"
      if [ -n "$offset" ] && [ "$offset" -ge "$1" ]; then exit 0; fi
    done
    exit 1
  }
}
# Whether Sentinel knows a replica it would promote: linked to this primary, not down. Right
# after a rolling update restarted the replicas, its view (refreshed every 10 s) may still show
# them syncing; then SENTINEL FAILOVER would answer NOGOODSLAVE.
promotable_replica() {
  sentinel sentinel replicas "$MASTER_SET" | awk '
    key == "flags" { usable = ($0 == "slave") }
    key == "master-link-status" && usable && $0 == "ok" { found = 1 }
    { key = $0 }
    END { exit !found }'
}
# wait_until <tenths of a second> <command...>: polls every 0.1 s.
wait_until() {
  limit="$1"; shift
  n=0
  until "$@"; do
    [ "$n" -lt "$limit" ] || return 1
    sleep 0.1
    n=$((n + 1))
  done
}

is_primary || exit 0

if [ "${1:-redis}" = "sentinel" ]; then
  wait_until "$((timeout_s * 10))" eval '! is_primary' || echo "prestop: still the primary after ${timeout_s}s" >&2
  exit 0
fi

former="$(primary_address)"
# Before writes pause: a rollout may wait here, clients do not.
wait_until "$((timeout_s * 10 / 2))" promotable_replica || echo "prestop: Sentinel knows no promotable replica yet" >&2
replicas="$(replica_addresses)"
redis client pause "$((timeout_s * 1000))" write >/dev/null
target="$(redis info replication | tr -d '\r' | awk -F: '$1 == "master_repl_offset" { print $2 }')"
wait_until 20 replica_caught_up "${target:-0}" || echo "prestop: no replica had the last writes within 2s; failing over anyway" >&2
failover() {
  answer="$(sentinel sentinel failover "$MASTER_SET")"
  echo "prestop: SENTINEL FAILOVER $MASTER_SET: $answer"
  [ "$answer" = "OK" ]
}
wait_until 20 failover || true
promoted() { current="$(primary_address)"; [ -n "$current" ] && [ "$current" != "$former" ]; }
if wait_until "$((timeout_s * 10))" promoted; then
  # shellcheck disable=SC2086 # host and port
  redis replicaof $current >/dev/null
  echo "prestop: following the new primary $current"
else
  echo "prestop: Sentinel named no new primary within ${timeout_s}s; stopping anyway" >&2
fi
redis client unpause >/dev/null
exit 0
