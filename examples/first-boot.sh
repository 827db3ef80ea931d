#!/bin/sh
# Example first-boot hook (answer file: [first-boot] source = "from-iso"): runs once on the
# installed node, after the network is online; output lands in /var/log/openve-install/first-boot.log.
set -eu
echo "first boot of $(hostname -f 2>/dev/null || hostname) at $(date -Is)"
ip -brief address show vmbr0 || true
echo "openve example hook ran" > /var/lib/openve/first-boot/example-marker
