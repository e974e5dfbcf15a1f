#!/usr/bin/env bash
# Installs what Skiff needs on Debian 12, now and for the issues that follow (containers, networking,
# etcd, test images and registry). Idempotent: when everything is present it does nothing, and it runs
# `apt-get update` at most once. A package apt cannot find is skipped with a warning, so one missing
# package does not block the rest; nothing in the project may rely on tools installed by hand.
set -euo pipefail

PACKAGES=(
  ca-certificates
  curl
  iproute2                    # ip, for network namespaces in tests
  nftables                    # Service proxy (nft -f)
  conntrack                   # Service proxy: flushes UDP flows of removed endpoints
  python3-minimal             # connects through the proxy rules inside test network namespaces
  libpython3-stdlib           # python3 crypt: the bcrypt htpasswd of the image-pull tests' registry
  containerd                  # CRI runtime the node agent drives
  runc                        # OCI runtime under containerd
  containernetworking-plugins # CNI bridge, host-local, portmap in /usr/lib/cni
  catatonit                   # the local pause image
  etcd-server                 # the HA datastore and its tests
  busybox-static              # test images built without downloads
  skopeo                      # pushes test images into the local registry
  docker-registry             # the local registry for image pull tests
)

log() { echo "setup-debian: $*" >&2; }

# Skip markers: packages apt could not find, with the day they were looked up; they are not looked up
# again (no apt-get update on every build) until the next day.
STATE_DIR=${SKIFF_SETUP_STATE_DIR:-/var/lib/skiff-setup}
UNAVAILABLE_FILE="$STATE_DIR/unavailable"
TODAY=$(date +%F)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

known_unavailable() {
  [[ -f "$UNAVAILABLE_FILE" ]] && grep -qx "$TODAY $1" "$UNAVAILABLE_FILE"
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! installed "$p" && ! known_unavailable "$p"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      SUDO=(sudo -n)
    else
      log "warning: not root and no password-less sudo; cannot install: ${missing[*]}"
      missing=()
    fi
  fi
fi

if ((${#missing[@]} > 0)); then
  export DEBIAN_FRONTEND=noninteractive
  log "installing: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq || log "warning: apt-get update failed; trying with the current package lists"

  available=()
  unavailable=()
  for p in "${missing[@]}"; do
    if apt-cache show "$p" >/dev/null 2>&1; then
      available+=("$p")
    else
      unavailable+=("$p")
    fi
  done

  if ((${#available[@]} > 0)); then
    # There is no init system here: keep package scripts from starting daemons (containerd, etcd, the
    # registry). Skiff and its tests start the ones they need with their own configuration.
    policy=/usr/sbin/policy-rc.d
    created_policy=false
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
      "${SUDO[@]}" chmod 755 "$policy"
      created_policy=true
    fi
    status=0
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${available[@]}" || status=$?
    if $created_policy; then
      "${SUDO[@]}" rm -f "$policy"
    fi
    if ((status != 0)); then
      log "error: apt-get install failed (exit $status) for: ${available[*]}"
      exit "$status"
    fi
  fi

  if ((${#unavailable[@]} > 0)); then
    log "warning: apt has no package named: ${unavailable[*]} (skipped; features that need them will not work)"
    "${SUDO[@]}" mkdir -p "$STATE_DIR"
    for p in "${unavailable[@]}"; do
      echo "$TODAY $p" | "${SUDO[@]}" tee -a "$UNAVAILABLE_FILE" >/dev/null
    done
  fi
fi

# The .NET SDK does not come from Debian's archive; it must already be on the machine.
if ! command -v dotnet >/dev/null 2>&1; then
  log "error: the .NET 10 SDK is required but 'dotnet' is not on PATH; install the .NET 10 SDK and run this again"
  exit 1
fi
version=$(dotnet --version 2>/dev/null || true)
major=${version%%.*}
if [[ ! $major =~ ^[0-9]+$ ]] || ((major < 10)); then
  log "error: the .NET 10 SDK is required, but 'dotnet --version' says '${version:-nothing}'"
  exit 1
fi
