#!/bin/sh
# probe.sh <live|ready> <redis|sentinel>: PING the local Redis or Sentinel.
# live: any answer but an error means the process works (a loading or primary-less Redis is
# alive); ready: only PONG, so clients are sent to a pod that can serve them.
set -u
tls_args=""
if [ "$TLS" = "true" ]; then
  tls_args="--tls --cacert /opt/redis/tls/ca.crt --cert /opt/redis/tls/tls.crt --key /opt/redis/tls/tls.key"
fi
secrets_dir="${SECRETS_DIR:-/opt/redis/secrets}"
port="$REDIS_PORT"
key="$PASSWORD_KEY"
if [ "$2" = "sentinel" ]; then port="$SENTINEL_PORT"; key="$SENTINEL_PASSWORD_KEY"; fi
password=""
[ "$AUTH" = "true" ] && password="$(cat "$secrets_dir/$key")"
# shellcheck disable=SC2086
answer="$(REDISCLI_AUTH="$password" timeout 4 redis-cli $tls_args -h localhost -p "$port" ping 2>&1)" || exit 1
case "$1:$answer" in
  *:PONG) exit 0 ;;
  live:*LOADING*|live:*MASTERDOWN*) exit 0 ;;
  *) echo "$answer"; exit 1 ;;
esac
