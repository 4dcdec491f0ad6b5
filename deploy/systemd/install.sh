#!/usr/bin/env bash
# Installs the PhalaWorker agent as a systemd service inside a TDX guest: the published agent (with libphala_tee.so)
# under /opt/phala-worker, the phala-worker user, the tdx group (and a udev rule giving it /dev/tdx_guest),
# /etc/phala-worker (settings, key) and /var/lib/phala-worker (journal), and the unit.
#
# Usage: deploy/systemd/install.sh [--from DIR] [--root DIR] [--no-start]
#   --from DIR   install this `dotnet publish` output instead of publishing src/PhalaWorker.Agent (needs the .NET SDK, cmake, gcc)
#   --root DIR   install under DIR instead of / (packaging or a dry run: users, groups and systemctl are skipped)
#   --no-start   do not enable and start the service
# Then put the operator key (hex) in /etc/phala-worker/operator.key and settings in /etc/phala-worker/agent.env
# (Chain__RpcUrl=..., Chain__RegistryAddress=0x...) or /etc/phala-worker/appsettings.json.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
from=""
root=""
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="${2:?--from needs a directory}"; shift 2 ;;
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install.sh: error: unknown argument '$1', see --help" >&2; exit 2 ;;
  esac
done

if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: error: must run as root (or give --root DIR for a staged install)" >&2
  exit 2
fi

if [ -z "$from" ]; then
  from="$(mktemp -d)"
  trap 'rm -rf "$from"' EXIT
  dotnet publish "$repo/src/PhalaWorker.Agent/PhalaWorker.Agent.csproj" -c Release -o "$from" -nologo -v q
fi
if [ ! -f "$from/PhalaWorker.Agent.dll" ] || [ ! -f "$from/libphala_tee.so" ]; then
  echo "install.sh: error: $from lacks PhalaWorker.Agent.dll or libphala_tee.so, give a 'dotnet publish' output of src/PhalaWorker.Agent" >&2
  exit 2
fi

if [ -z "$root" ]; then
  getent group tdx >/dev/null || groupadd --system tdx
  getent group phala-worker >/dev/null || groupadd --system phala-worker
  id phala-worker >/dev/null 2>&1 || useradd --system --gid phala-worker --groups tdx --home-dir /var/lib/phala-worker --shell /usr/sbin/nologin phala-worker
fi

install -d -m 0755 "$root/opt/phala-worker"
cp -R "$from/." "$root/opt/phala-worker/"
install -d -m 0750 "$root/etc/phala-worker"
install -d -m 0700 "$root/var/lib/phala-worker"
install -D -m 0644 "$repo/deploy/systemd/phala-worker.service" "$root/etc/systemd/system/phala-worker.service"
install -d -m 0755 "$root/etc/udev/rules.d"
echo 'KERNEL=="tdx_guest", GROUP="tdx", MODE="0660"' > "$root/etc/udev/rules.d/70-phala-worker-tdx.rules"
[ -f "$root/etc/phala-worker/agent.env" ] || install -m 0600 /dev/null "$root/etc/phala-worker/agent.env"
[ -f "$root/etc/phala-worker/operator.key" ] || install -m 0600 /dev/null "$root/etc/phala-worker/operator.key"

if [ -z "$root" ]; then
  chown root:phala-worker /etc/phala-worker
  chown phala-worker:phala-worker /var/lib/phala-worker
  udevadm control --reload-rules 2>/dev/null && udevadm trigger --subsystem-match=misc 2>/dev/null || true
  systemctl daemon-reload
  if [ "$start" -eq 1 ]; then
    systemctl enable --now phala-worker
  fi
fi
echo "installed under ${root:-/}: /opt/phala-worker, /etc/phala-worker, /var/lib/phala-worker, phala-worker.service"
