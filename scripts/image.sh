#!/usr/bin/env bash
# The container image with podman, also where no registry is reachable: `base` makes a Debian
# base image with debootstrap, `build` builds the Dockerfile with this machine's pip settings.
#   scripts/image.sh base            # localhost/debian:bookworm-slim (root, debootstrap, ~1 min)
#   scripts/image.sh build           # localhost/tracegrade:latest
#   scripts/image.sh podman ARGS...  # podman with the runtime settings that work here
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_IMAGE=${BASE_IMAGE:-localhost/debian:bookworm-slim}
IMAGE=${IMAGE:-localhost/tracegrade:latest}

# hybrid cgroups: runc and cgroupfs; no default ulimits (podman's raise fails in a container)
if [ -z "${CONTAINERS_CONF:-}" ]; then
  CONTAINERS_CONF=${TMPDIR:-/tmp}/tracegrade-containers.conf
  printf '[containers]\ndefault_ulimits = []\n' > "$CONTAINERS_CONF"
  export CONTAINERS_CONF
fi
pm() { podman --runtime "${PODMAN_RUNTIME:-runc}" --cgroup-manager="${PODMAN_CGROUPS:-cgroupfs}" "$@"; }

pip_setting() {   # $1: PIP_* variable, $2: pip config key; the environment wins
  local value=${!1:-}
  if [ -z "$value" ] && [ -x .venv/bin/pip ]; then
    value=$(.venv/bin/pip config get "global.$2" 2>/dev/null | tr '\n' ' ' || true)
  fi
  echo "$value" | xargs
}

case "${1:-}" in
  base)
    if pm image exists "$BASE_IMAGE"; then exit 0; fi
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
    tar -C "$root" -c . | pm import - "$BASE_IMAGE" >/dev/null
    ;;
  build)
    args=(--format docker --network host --build-arg "BASE=$BASE_IMAGE" -t "$IMAGE")   # docker: keeps HEALTHCHECK
    cert=$(pip_setting PIP_CERT cert)
    if [ -n "$cert" ] && [ -f "$cert" ]; then   # pip in the build trusts what pip here trusts
      args+=(-v "$cert:/etc/ssl/certs/build-ca.crt:ro" --build-arg PIP_CERT=/etc/ssl/certs/build-ca.crt)
    fi
    for pair in "PIP_FIND_LINKS find-links" "PIP_INDEX_URL index-url" "PIP_EXTRA_INDEX_URL extra-index-url"; do
      read -r var key <<<"$pair"
      value=$(pip_setting "$var" "$key")
      [ -n "$value" ] || continue
      args+=(--build-arg "$var=$value")
      for location in $value; do           # local wheel folders and file:// indexes, read-only
        path=${location#file://}
        path=${path%/}
        if [ "$(basename "$path")" = simple ]; then path=$(dirname "$path"); fi   # + its files/
        if [ -d "$path" ]; then args+=(-v "$path:$path:ro"); fi
      done
    done
    pm build "${args[@]}" .
    ;;
  podman)
    shift
    pm "$@"
    ;;
  *)
    echo "usage: scripts/image.sh base | build | podman ARGS..." >&2
    exit 2
    ;;
esac
