#!/bin/sh
# Writes /etc/redis-run/redis.conf (and sentinel.conf) for this pod: the static part from the
# ConfigMap, the passwords from the Secret, and, with Sentinel, who the primary is.
set -eu
# The directories are fixed in the pod; tests point them elsewhere.
config_dir="${CONFIG_DIR:-/opt/redis/config}"
secrets_dir="${SECRETS_DIR:-/opt/redis/secrets}"
acl_dir="${ACL_DIR:-/opt/redis/acl}"
run="${RUN_DIR:-/etc/redis-run}"
conf="$run/redis.conf"
cp "$config_dir/redis.conf" "$conf"

# A value as one redis.conf argument: in double quotes, with backslash, double quote and
# newline escaped, so a password holding any of them (or spaces) is read back unchanged.
quote() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g' | {
    IFS= read -r escaped || true
    printf '"%s"' "$escaped"
  }
}

password=""
sentinel_password=""
if [ "$AUTH" = "true" ]; then
  password="$(cat "$secrets_dir/$PASSWORD_KEY")"
  printf 'requirepass %s\nmasterauth %s\n' "$(quote "$password")" "$(quote "$password")" >> "$conf"
  # The chart's users (auth.acl.users, the exporter's), then those of auth.acl.usersSecret
  # (a parent chart's, e.g. one per service), each password from beside its list. A name
  # already given is skipped: redis.conf refuses a user twice, and the chart's own list wins.
  added=" "
  add_users() {
    [ -f "$1" ] || return 0
    # (`|| [ -n "$name" ]`: a last line without a newline counts too.)
    while read -r name key rules || [ -n "$name" ]; do
      [ -n "$name" ] || continue
      case "$added" in *" $name "*) continue ;; esac
      printf 'user %s on %s %s\n' "$name" "$(quote ">$(cat "$2/$key")")" "$rules" >> "$conf"
      added="$added$name "
    done < "$1"
  }
  add_users "$config_dir/acl-users" "$secrets_dir"
  add_users "$acl_dir/users" "$acl_dir"
  if [ "$SENTINEL" = "true" ]; then sentinel_password="$(cat "$secrets_dir/$SENTINEL_PASSWORD_KEY")"; fi
fi

# Standalone: nothing more. Replication: announce this pod's stable name, and follow the primary.
[ "$REPLICAS" -gt 1 ] || exit 0

tls_args=""
if [ "$TLS" = "true" ]; then
  tls_args="--tls --cacert /opt/redis/tls/ca.crt --cert /opt/redis/tls/tls.crt --key /opt/redis/tls/tls.key"
fi
domain="$HEADLESS.$NAMESPACE.svc.$CLUSTER_DOMAIN"
self="$POD_NAME.$domain"

# With Sentinel, ask the other pods' Sentinels for the current primary (it may have failed
# over); when none answers (first start), or without Sentinel, pod 0 is the primary.
primary=""
i=0
while [ "$SENTINEL" = "true" ] && [ "$i" -lt "$REPLICAS" ]; do
  host="$FULLNAME-$i.$domain"
  if [ "$host" != "$self" ]; then
    # shellcheck disable=SC2086
    answer="$(REDISCLI_AUTH="$sentinel_password" timeout 3 redis-cli $tls_args -h "$host" -p "$SENTINEL_PORT" \
      sentinel get-master-addr-by-name "$MASTER_SET" 2>/dev/null | head -n 1 || true)"
    case "$answer" in
      ""|*ERR*|*NOAUTH*|*WRONGPASS*) ;;
      *) primary="$answer"; break ;;
    esac
  fi
  i=$((i + 1))
done
[ -n "$primary" ] || primary="$FULLNAME-0.$domain"
echo "primary: $primary (this pod: $self)"

printf 'replica-announce-ip %s\n' "$self" >> "$conf"
if [ "$primary" != "$self" ]; then
  printf 'replicaof %s %s\n' "$primary" "$REDIS_PORT" >> "$conf"
fi

[ "$SENTINEL" = "true" ] || exit 0

sentinel="$run/sentinel.conf"
if [ "$TLS" = "true" ]; then
  printf 'port 0\ntls-port %s\ntls-cert-file /opt/redis/tls/tls.crt\ntls-key-file /opt/redis/tls/tls.key\ntls-ca-cert-file /opt/redis/tls/ca.crt\ntls-replication yes\ntls-auth-clients %s\n' \
    "$SENTINEL_PORT" "$TLS_AUTH_CLIENTS" > "$sentinel"
else
  printf 'port %s\n' "$SENTINEL_PORT" > "$sentinel"
fi
cat >> "$sentinel" <<CONF
bind * -::*
protected-mode no
dir /tmp
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
sentinel monitor $MASTER_SET $primary $REDIS_PORT $QUORUM
sentinel down-after-milliseconds $MASTER_SET $DOWN_AFTER_MS
sentinel failover-timeout $MASTER_SET $FAILOVER_TIMEOUT_MS
sentinel parallel-syncs $MASTER_SET 1
CONF
# Sentinel has its own password (clients and the other Sentinels use it); it logs in to Redis
# as `default`, which it needs to promote and reconfigure the data nodes.
if [ -n "$password" ]; then
  printf 'requirepass %s\nsentinel sentinel-pass %s\nsentinel auth-pass %s %s\n' \
    "$(quote "$sentinel_password")" "$(quote "$sentinel_password")" "$MASTER_SET" "$(quote "$password")" >> "$sentinel"
fi
