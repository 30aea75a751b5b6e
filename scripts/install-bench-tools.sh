#!/bin/sh
# Tools the benchmarks use besides npm packages: ansible-core (the Ansible peer of `npm run bench makespan`),
# from Debian's archive. Idempotent: does nothing when ansible-playbook is already installed.
# Run as root (or with sudo); the bench skips the peer with a one-line reason when it is missing.
set -eu
if command -v ansible-playbook >/dev/null 2>&1; then
  echo "ansible-playbook already installed: $(ansible-playbook --version | head -n 1)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
$as_root apt-get update
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y --no-install-recommends ansible-core
ansible-playbook --version | head -n 1
