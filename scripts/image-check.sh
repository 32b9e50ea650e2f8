#!/usr/bin/env bash
# A real build of the root Dockerfile, and a real run of the image it makes, on a machine with
# no Docker engine and no image registry (make image-check).
#
#   sudo scripts/image-check.sh
#
# 1. The image build rehearsed on this machine, without a container: `npm run test:image` in
#    deploy-checks (test/image-rehearsal.image-spec.ts) runs the Dockerfile's stages for gateway
#    in temp folders, checks the tree is production-only and starts it (about 2 min). It is not
#    part of make test because it takes minutes; it runs here, next to the real build it mirrors.
# 2. A base image standing in for node:<.nvmrc>-bookworm-slim, made from parts this machine
#    does reach: a Debian bookworm root from the Debian mirror in its apt sources (debootstrap),
#    the official node binary from the npm registry (node-linux-<arch>, as scripts/ensure-node.sh
#    unpacks it) and npm at the root package.json's packageManager version. Made once: the
#    root's tarball is kept in IMAGE_CHECK_CACHE (default .tools/image-check/), the image in
#    buildah's storage.
# 3. `buildah build` of the Dockerfile for gateway (the service with the most dependencies, as
#    in the rehearsal) with NODE_IMAGE=<that base>.
# 4. The image run with podman as the chart runs the pod (read-only root, /tmp a small tmpfs,
#    no capabilities, no privilege escalation) against a real redis-server on a free loopback
#    port, host networking: it must run as uid 10001, answer /health/ready with Redis up, turn
#    not-ready once Redis is gone and ready once it is back (readiness is a real check, not a
#    constant), and exit 0 on SIGTERM (tini hands the signal to node).
#
# Env: IMAGE_CHECK_CACHE   where the base root's tarball is kept (e.g. under /var/cache for CI)
#      IMAGE_CHECK_MIRROR  the Debian mirror (default: the one this machine's apt sources name)
#      IMAGE_CHECK_REBUILD_BASE=1  make the base again even when a cached one exists
# Needs root (debootstrap, buildah and podman without user namespaces), buildah, podman, runc,
# debootstrap, redis-server, redis-cli, curl, node/npm (for the npm registry) and the workspace's
# node_modules (npm ci; make image-check runs it when they are missing or older than the lockfile).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

say() { printf '\n==> %s\n' "$*" >&2; }
fail() { printf 'image-check: %s\n' "$*" >&2; exit 1; }
elapsed() { printf '%dm%02ds' $((SECONDS / 60)) $((SECONDS % 60)); }

SERVICE=gateway
SUITE=bookworm
# Bump when the base recipe below changes: it names the cached tarball and the base image, so a
# stale base is never reused.
BASE_REVISION=1

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap needs it; buildah and podman run rootful here): sudo make image-check"
missing=""
for command in buildah podman runc debootstrap redis-server redis-cli curl; do
  command -v "$command" >/dev/null || missing="$missing $command"
done
if [ -n "$missing" ]; then
  fail "missing:$missing. Debian: apt-get update && apt-get install -y --no-install-recommends buildah podman runc debootstrap redis-server redis-tools curl"
fi
# shellcheck source=ensure-node.sh
source scripts/ensure-node.sh

node_version="$(tr -d ' \r\n' <.nvmrc)"
npm_version="$(node -p 'require("./package.json").packageManager')"
[[ "$npm_version" == npm@* ]] || fail "package.json's packageManager is \"$npm_version\", not npm@<version>"
npm_version="${npm_version#npm@}"

# The mirror this machine's apt uses for $SUITE (deb822 "URIs:" or one-line "deb" sources), so
# the build needs no address of its own; deb.debian.org when none is found.
default_mirror() {
  local file uri
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -r "$file" ] || continue
    uri="$(awk -v suite="$SUITE" '
      /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && uri ~ /\/debian\/?$/) { print uri; exit } }
      /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i + 1) == suite && $i ~ /\/debian\/?$/) { print $i; exit } break } }
    ' "$file")"
    [ -n "$uri" ] && { echo "${uri%/}"; return; }
  done
  echo http://deb.debian.org/debian
}
mirror="${IMAGE_CHECK_MIRROR:-$(default_mirror)}"
cache="${IMAGE_CHECK_CACHE:-$root/.tools/image-check}"
base_name="node${node_version}-npm${npm_version}-${SUITE}-r${BASE_REVISION}"
base_image="localhost/platform-node-base:${base_name}"
base_tar="$cache/$base_name.tar"
image="localhost/nest-redis-platform/${SERVICE}:image-check"

# runc, not Debian's default crun: crun refuses a hybrid cgroup v1/v2 host ("cgroups in hybrid
# mode not supported"), which this machine is; runc runs on hybrid, v1 and v2 alike.
podman() { command podman --runtime runc "$@"; }

# Everything this run starts is removed on exit, whatever the outcome.
work="$(mktemp -d)"
working_container=""
run_container=""
redis_pid=""
base_pid=""
cleanup() {
  # The base is made in $work: let it finish (a minute at most) before $work goes.
  [ -n "$base_pid" ] && wait "$base_pid" 2>/dev/null || true
  [ -n "$run_container" ] && podman rm --force --time 0 "$run_container" >/dev/null 2>&1 || true
  [ -n "$working_container" ] && buildah rm "$working_container" >/dev/null 2>&1 || true
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- 2. the base image (prepare_base, run beside 1. below) ------------------------------------
make_base_tar() {
  local rootfs="$work/rootfs" node_bin npm_tgz
  say "debootstrap $SUITE (minbase) from $mirror"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed (full log above, last lines)"; }

  # What debian:bookworm-slim leaves out (its dpkg excludes), also for what the Dockerfile
  # installs later (tini); then the same sources the official image has, so apt-get works.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale,lintian,linda}/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror}-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

  # Where the official image has them: /usr/local/bin/node, npm under /usr/local/lib/node_modules.
  say "node $node_version (npm registry's node-linux package) and npm $npm_version"
  node_bin="$(bash scripts/ensure-node.sh --unpacked)/node"
  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  (cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null) || fail "could not fetch npm@$npm_version from the npm registry"
  npm_tgz="$(echo "$work"/npm-*.tgz)"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  [ "$(chroot "$rootfs" /usr/local/bin/node --version)" = "v$node_version" ] || fail "node in the base root does not run"
  [ "$(chroot "$rootfs" /usr/bin/env PATH=/usr/local/bin:/usr/bin:/bin npm --version)" = "$npm_version" ] || fail "npm in the base root does not run"

  mkdir -p "$cache"
  tar --numeric-owner -C "$rootfs" -cf "$base_tar.partial" .
  mv "$base_tar.partial" "$base_tar"
  rm -rf "$rootfs"
}

prepare_base() {
  if [ "${IMAGE_CHECK_REBUILD_BASE:-}" = 1 ]; then
    buildah rmi "$base_image" >/dev/null 2>&1 || true
    rm -f "$base_tar"
  fi
  if buildah inspect --type image "$base_image" >/dev/null 2>&1; then
    say "base image $base_image: in buildah's storage already"
  else
    if [ -f "$base_tar" ]; then
      say "base root: cached in $base_tar"
    else
      make_base_tar
    fi
    say "base image $base_image from $base_tar"
    working_container="$(buildah from scratch)"
    buildah add --quiet "$working_container" "$base_tar" / >/dev/null
    buildah config \
      --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --env NODE_VERSION="$node_version" \
      --cmd node \
      --label org.opencontainers.image.description="Debian $SUITE (debootstrap) + node $node_version + npm $npm_version: stands in for node:$node_version-$SUITE-slim" \
      "$working_container"
    buildah commit --quiet --rm "$working_container" "$base_image" >/dev/null
    working_container=""
  fi
  echo "base ready after $(elapsed)" >&2
}

# --- 1. the rehearsal, with 2. beside it ------------------------------------------------------
# The base is mostly downloads and unpacking, the rehearsal mostly CPU: side by side they took
# 94 s here against 117 s one after the other. The base's output is held and shown after.
SECONDS=0
[ -d node_modules ] || fail "node_modules is missing: run npm ci first (make image-check does)"
(
  trap '[ -n "$working_container" ] && buildah rm "$working_container" >/dev/null 2>&1 || true' EXIT
  prepare_base
) >"$work/base.log" 2>&1 &
base_pid=$!
say "the image build rehearsed without a container (npm run test:image -w @platform/deploy-checks)"
npm run --silent test:image -w @platform/deploy-checks
echo "rehearsal passed after $(elapsed)" >&2
base_status=0
wait "$base_pid" || base_status=$?
base_pid=""
cat "$work/base.log" >&2
[ "$base_status" -eq 0 ] || fail "the base image could not be made (its output is above)"

# --- 3. the service image ---------------------------------------------------------------------
say "buildah build --build-arg SERVICE=$SERVICE --build-arg NODE_IMAGE=$base_image"
# A machine whose HTTPS goes through an inspecting proxy gives node its CA bundle in
# NODE_EXTRA_CA_CERTS or npm's cafile (this one does). RUN steps get that bundle and a global
# npmrc naming it as read-only mounts: npm in the build trusts what npm here trusts, and
# nothing of it lands in an image.
build_mounts=()
cafile="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}"
if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -r "$cafile" ]; then
  echo "cafile=/run/image-check/ca.crt" >"$work/npmrc"
  build_mounts=(--volume "$cafile:/run/image-check/ca.crt:ro" --volume "$work/npmrc:/usr/local/etc/npmrc:ro")
  echo "npm in RUN steps trusts $cafile (this machine's CA bundle for node)" >&2
fi
previous="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
build_started=$SECONDS
# Host networking: RUN steps reach the npm registry and the Debian mirror as this machine does.
# No layer cache (buildah's default): every run builds every step, as a clean CI would.
buildah build --runtime runc --network host --pull=never "${build_mounts[@]}" \
  --build-arg SERVICE="$SERVICE" --build-arg NODE_IMAGE="$base_image" \
  --tag "$image" --file Dockerfile .
# The tag moved to the new image: drop the one it left (not in use by anything of ours).
current="$(podman image inspect --format '{{.Id}}' "$image")"
[ -n "$previous" ] && [ "$previous" != "$current" ] && { buildah rmi "$previous" >/dev/null 2>&1 || true; }
size="$(podman image inspect --format '{{.Size}}' "$image")"
echo "image $image built in $((SECONDS - build_started)) s; $((size / 1000000)) MB ($size bytes)" >&2

# --- 4. run it as the chart does --------------------------------------------------------------
free_port() { node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
start_redis() {
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  cat "$work/redis.log" >&2
  fail "redis-server did not start on 127.0.0.1:$redis_port"
}
stop_redis() {
  kill "$redis_pid"
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
}
logs() { podman logs --tail 30 "$run_container" >&2 || true; }
wait_ready() { # $1: the HTTP status to wait for (60 s at most); the last answer is left in $answer
  for _ in $(seq 120); do
    [ "$(podman inspect --format '{{.State.Running}}' "$run_container")" = true ] || { logs; fail "the container exited"; }
    answer="$(curl --silent --max-time 5 --write-out ' HTTP %{http_code}' "http://127.0.0.1:$http_port/health/ready" || true)"
    [[ "$answer" == *" HTTP $1" ]] && return
    sleep 0.5
  done
  logs
  fail "no $1 from /health/ready within 60 s; last answer: ${answer:-none}"
}

redis_port="$(free_port)"
say "redis-server on 127.0.0.1:$redis_port"
start_redis

http_port="$(free_port)"
gateway_env=(
  --env HOST=127.0.0.1 --env PORT="$http_port"
  --env REDIS_URL="redis://127.0.0.1:$redis_port"
  --env ADMIN_TOKEN="image-check-admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
)
# @example-begin
# legacy (the gateway's one TCP peer) is not started: its port is a free one nobody listens on,
# so readiness shows it as degraded, which never fails readiness by design (TransportReadiness);
# Redis is the dependency /health/ready stands or falls with.
gateway_env+=(--env LEGACY_TCP_HOST=127.0.0.1 --env LEGACY_TCP_PORT="$(free_port)")
gateway_env+=(--env SESSION_SECRET="image-check-session-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')")
# @example-end
say "podman run $image (read-only root, uid from the image, gateway on 127.0.0.1:$http_port)"
# podman's default rlimits (nofile and nproc 1048576) are above what a process without
# CAP_SYS_RESOURCE may set (true in this sandbox): ask for ones under this machine's limits.
run_container="$(podman run --detach --name "image-check-$$" \
  --ulimit nofile="$(ulimit -Hn)":"$(ulimit -Hn)" --ulimit nproc=4096:4096 \
  --network host --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=64m,mode=1777 \
  --cap-drop ALL --security-opt no-new-privileges \
  "${gateway_env[@]}" \
  "$image")"

wait_ready 200
[[ "$answer" =~ \"redis\":\{[^}]*\"status\":\"up\" ]] || fail "/health/ready answered 200 without Redis up: $answer"
echo "GET /health/ready -> $answer" >&2

uid="$(podman exec "$run_container" id -u):$(podman exec "$run_container" id -g)"
host_pid="$(podman inspect --format '{{.State.Pid}}' "$run_container")"
host_uid="$(awk '/^Uid:/ { print $2 }' "/proc/$host_pid/status")"
[ "$uid" = 10001:10001 ] && [ "$host_uid" = 10001 ] || fail "the container runs as $uid (host sees uid $host_uid), not 10001:10001"
echo "runs as uid:gid $uid inside; its init process (tini, host pid $host_pid) has uid $host_uid" >&2
podman exec "$run_container" sh -c 'touch /app/written' 2>/dev/null && fail "the root filesystem is writable"
echo "root filesystem read-only: touch /app/written fails" >&2

say "stopping Redis: readiness must turn 503, then 200 again once Redis is back"
stop_redis
wait_ready 503
echo "without Redis: GET /health/ready -> $answer" >&2
start_redis
wait_ready 200
echo "Redis back: GET /health/ready -> HTTP 200" >&2

say "SIGTERM: the gateway must stop cleanly"
podman stop --time 30 "$run_container" >/dev/null
exit_code="$(podman inspect --format '{{.State.ExitCode}}' "$run_container")"
[ "$exit_code" = 0 ] || { logs; fail "the gateway exited with $exit_code after SIGTERM"; }
echo "exit code after SIGTERM: 0" >&2

say "image-check passed in $(elapsed): $image, $((size / 1000000)) MB"
