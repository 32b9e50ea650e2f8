#!/usr/bin/env bash
# The programs the tests run for real, one list for every machine that runs them.
#
#   scripts/prerequisites.sh check     exit 1, with the one install line per OS, if any is missing
#   scripts/prerequisites.sh install   apt-get install what is missing (CI: .ci/run and GitHub's
#                                      test job both call this, so their lists cannot diverge)
#   scripts/prerequisites.sh install image-check
#                                      the same, plus what `make image-check` builds and runs
#                                      the image with (buildah, podman, runc, debootstrap)
#
# Each line: the command the tests look for | the Debian/Ubuntu package | the Homebrew formula.
# redis_exporter is Debian's prometheus-redis-exporter (its binary has that name too).
set -euo pipefail

PREREQUISITES=(
  "redis-server|redis-server|redis"
  "redis-cli|redis-tools|redis"
  "prometheus|prometheus|prometheus"
  "promtool|prometheus|prometheus"
  "redis_exporter prometheus-redis-exporter|prometheus-redis-exporter|redis_exporter"
  "make|make|make"
)

# `make image-check` only (a Debian-based machine: it builds the image from a Debian root).
IMAGE_CHECK_PREREQUISITES=(
  "buildah|buildah|buildah"
  "podman|podman|podman"
  "runc|runc|runc"
  "debootstrap|debootstrap|debootstrap"
  "curl|curl|curl"
)
[ "${2:-}" = image-check ] && PREREQUISITES+=("${IMAGE_CHECK_PREREQUISITES[@]}")

missing_packages() { # $1: the field to print (2 Debian, 3 Homebrew)
  local entry commands found command
  for entry in "${PREREQUISITES[@]}"; do
    IFS='|' read -r commands debian brew <<<"$entry"
    found=no
    for command in $commands; do command -v "$command" >/dev/null && found=yes; done
    if [ "$found" = no ]; then
      if [ "$1" = 2 ]; then echo "$debian"; else echo "$brew"; fi
    fi
  done | sort -u | tr '\n' ' '
}

case "${1:-check}" in
  check)
    debian="$(missing_packages 2)"
    if [ -n "$debian" ]; then
      echo "make test runs real redis-server, Prometheus and redis_exporter; missing here: $debian" >&2
      echo "  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y --no-install-recommends $debian" >&2
      echo "  macOS:         brew install $(missing_packages 3)" >&2
      exit 1
    fi
    ;;
  install)
    debian="$(missing_packages 2)"
    if [ -n "$debian" ]; then
      sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
      $sudo apt-get update
      # shellcheck disable=SC2086 # one word per package
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $debian
    fi
    # Debian's packages may start their own daemons where an init system runs; the tests never
    # use them (each test starts its own on a free port), and the chart check needs the ports.
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      for unit in redis-server prometheus prometheus-redis-exporter; do
        ${sudo:-} systemctl stop "$unit" 2>/dev/null || true
      done
    fi
    ;;
  *) echo "usage: $0 check|install" >&2; exit 2 ;;
esac
