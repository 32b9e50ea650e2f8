#!/usr/bin/env bash
# Node.js 24 for every script of this repository, even on a machine whose own Node is older.
#
#   scripts/ensure-node.sh             prints the folder of a node >= the major in .nvmrc
#   source scripts/ensure-node.sh      puts that folder first on PATH in the calling shell
#   scripts/ensure-node.sh --unpacked  prints the folder of the exact .nvmrc version from the npm
#                                      registry, whatever the machine has (scripts/image-check.sh
#                                      copies that official binary into its base image)
#
# The machine's node is used when it is new enough. Otherwise the exact version in .nvmrc is
# unpacked from the npm registry (the node-<os>-<arch> package ships the official binary and
# its headers) into .tools/node-<version>/, once, and used from there. The npm registry is the
# one source every machine here reaches, so this needs no download site of its own.
# Messages go to stderr: stdout carries only the folder, for the Makefile's $(shell ...).

_ensure_node() { # $1: --unpacked to skip the machine's node
  local root version major current os arch dir tmp
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  version="$(tr -d ' \r\n' <"$root/.nvmrc")"
  major="${version%%.*}"

  current="$(node --version 2>/dev/null || true)"
  current="${current#v}"
  if [ "${1:-}" != --unpacked ] && [ -n "$current" ] && [ "${current%%.*}" -ge "$major" ]; then
    dirname "$(command -v node)"
    return 0
  fi

  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "ensure-node: no Node.js $major package for $(uname -s); install Node.js $major yourself" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "ensure-node: no Node.js $major package for $(uname -m); install Node.js $major yourself" >&2; return 1 ;;
  esac

  dir="$root/.tools/node-$version"
  if [ ! -x "$dir/bin/node" ]; then
    [ "${1:-}" = --unpacked ] || echo "ensure-node: this machine has node ${current:-none}; the platform runs on Node.js $major." >&2
    echo "ensure-node: unpacking node-$os-$arch@$version from the npm registry into .tools/ (once)" >&2
    command -v npm >/dev/null || { echo "ensure-node: npm is needed to fetch Node.js $major" >&2; return 1; }
    tmp="$(mktemp -d)"
    if ! (cd "$tmp" && npm pack --silent "node-$os-$arch@$version" >/dev/null); then
      rm -rf "$tmp"
      echo "ensure-node: could not fetch node-$os-$arch@$version from the npm registry" >&2
      return 1
    fi
    mkdir -p "$tmp/unpacked"
    tar -xzf "$tmp"/node-*.tgz -C "$tmp/unpacked"
    mkdir -p "$root/.tools"
    rm -rf "$dir"
    mv "$tmp/unpacked/package" "$dir"
    rm -rf "$tmp"
  fi
  "$dir/bin/node" --version >/dev/null || { echo "ensure-node: $dir/bin/node does not run here" >&2; return 1; }
  echo "$dir/bin"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _ensure_node "${1:-}"
else
  _ensure_node_bin="$(_ensure_node)" || return 1
  case ":$PATH:" in *":$_ensure_node_bin:"*) ;; *) export PATH="$_ensure_node_bin:$PATH" ;; esac
  # Native addons built by node-gyp must use the headers of the node that runs them.
  case "$_ensure_node_bin" in */.tools/node-*) export npm_config_nodedir="${_ensure_node_bin%/bin}" ;; esac
  unset _ensure_node_bin
fi
