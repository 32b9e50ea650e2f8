#!/bin/sh
# acl-sync.sh [once|live|ready]: keeps the running Redis' ACL users in step with auth.acl.usersSecret
# (mounted at /opt/redis/acl: `users`, one `name passwordKey rules` a line, and the passwords).
# init.sh adds those users at start; Kubernetes updates a mounted Secret in place (within a
# minute or two), and this applies the change with ACL SETUSER / DELUSER, so a user added to the
# Secret (a parent chart's new service) can log in without restarting Redis. ACL changes are
# not replicated: every pod runs its own copy of this loop against its own Redis.
#   (no argument) the loop; `once`: one round (tests); `live`: the loop came round lately
#   (liveness); `ready`: the Secret's users were applied once in this pod (/tmp is the pod's).
set -u
interval="${ACL_SYNC_SECONDS:-10}"
state="${STATE_DIR:-/tmp}"
case "${1:-}" in
  live) beat="$(cat "$state/acl-sync.beat" 2>/dev/null || echo 0)"; [ $(($(date +%s) - beat)) -lt $((interval * 3 + 30)) ]; exit $? ;;
  ready) [ -f "$state/acl-sync.applied" ]; exit $? ;;
esac
secrets_dir="${SECRETS_DIR:-/opt/redis/secrets}"
acl_dir="${ACL_DIR:-/opt/redis/acl}"
config_dir="${CONFIG_DIR:-/opt/redis/config}"
tls_args=""
if [ "$TLS" = "true" ]; then
  tls_args="--tls --cacert /opt/redis/tls/ca.crt --cert /opt/redis/tls/tls.crt --key /opt/redis/tls/tls.key"
fi

cli() {
  # shellcheck disable=SC2086
  REDISCLI_AUTH="$(cat "$secrets_dir/$PASSWORD_KEY")" timeout 5 redis-cli $tls_args -h localhost -p "$REDIS_PORT" "$@"
}

# The chart's own users (auth.acl.users) win over the Secret's, as in init.sh: never touched here.
own=" $(while read -r name _ || [ -n "$name" ]; do printf '%s ' "$name"; done 2>/dev/null < "$config_dir/acl-users") "

# Applies the Secret's users; prints their names. Fails (and is retried) when Redis refuses one.
apply() {
  names=" "
  [ -f "$acl_dir/users" ] || { printf '%s' "$names"; return 0; }
  while read -r name key rules || [ -n "$name" ]; do
    [ -n "$name" ] || continue
    case "$own" in *" $name "*) continue ;; esac
    # Old passwords and rules dropped first, so the user ends up exactly as listed; not `reset`,
    # which passes through `off` and could drop the user's open connections.
    # shellcheck disable=SC2086
    answer="$(cli ACL SETUSER "$name" on resetpass ">$(cat "$acl_dir/$key")" resetkeys resetchannels clearselectors -@all $rules 2>&1)" || return 1
    [ "$answer" = "OK" ] || { echo "ACL SETUSER $name: $answer" >&2; return 1; }
    names="$names$name "
  done < "$acl_dir/users"
  printf '%s' "$names"
}

applied=""
previous=" "
while :; do
  # The Secret's files as Kubernetes last wrote them (it swaps the `..data` link atomically).
  current="$(cat "$acl_dir"/* 2>/dev/null | cksum)"
  if [ "$current" != "$applied" ] && names="$(apply)"; then
    # Users the Secret no longer lists are removed (a service taken out of the release).
    for name in $previous; do
      case "$names" in *" $name "*) ;; *) cli ACL DELUSER "$name" > /dev/null || true ;; esac
    done
    echo "ACL users applied:$names"
    applied="$current"
    previous="$names"
    : > "$state/acl-sync.applied"
  fi
  date +%s > "$state/acl-sync.beat"
  [ "${1:-}" = "once" ] && { [ "$current" = "$applied" ]; exit $?; }
  # Until the first round succeeds (Redis still loading), retry every second.
  if [ -n "$applied" ]; then sleep "$interval"; else sleep 1; fi
done
