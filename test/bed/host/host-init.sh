#!/usr/bin/env bash
# Start one test host's programs. Runs inside the host's network namespace (nsenter --net) and a
# new mount + UTS namespace (unshare --mount --uts --propagation private), so that, as on a real
# server, /run, /var/lib/docker and /etc/docker are the host's own and /run/docker.sock is its
# own engine. Started by test/bed/hosts.ts with:
#   TB_NAME   host name             TB_DIR     the host's directory on the machine
#   TB_DOCKERD  1 to start dockerd  (0: a host without a running engine, for provisioning tests)
#   TB_REPO   the repository root, kept visible inside the host at the same path
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
: "${TB_NAME:?}" "${TB_DIR:?}" "${TB_DOCKERD:?}"

hostname "$TB_NAME"

# This namespace began as a copy of the machine's mounts. Copies of the main engine's and other
# test hosts' mounts (container root file systems, network namespace handles) would keep those
# alive after their owners remove them, so drop them here.
awk '{ print $5 }' /proc/self/mountinfo |
  grep -E '^(/run/netns/|/run/docker/|/var/lib/docker/|/run/notesctl-testbed/|/var/lib/notesctl-testbed/)' |
  sort -r |
  while read -r mountpoint; do umount -l "$mountpoint" 2>/dev/null || true; done

# The host's own /run, image store, engine configuration, logs, /tmp and root home, as on a server
# of its own: a dockerd started there (by the bed or by a provisioning test) shares no state,
# socket, log or engine ID (/etc/docker/key.json) with the machine's; the machine's ~/.bashrc
# (which may take a second to run), ~/.docker and ~/.ssh do not leak in.
mkdir -p "$TB_DIR/run/sshd" "$TB_DIR/run/lock" "$TB_DIR/docker" "$TB_DIR/etc-docker" \
  "$TB_DIR/log/apt" "$TB_DIR/tmp" "$TB_DIR/root" /var/lib/docker /etc/docker
chmod 0755 "$TB_DIR/run/sshd"
chmod 1777 "$TB_DIR/tmp"
chmod 0700 "$TB_DIR/root"
# The repository itself stays visible at its own path, even when it lives under /tmp or /root
# (CI may clone anywhere): tests run the bed's own scripts inside hosts.
repo=${TB_REPO:-}
if [ -n "$repo" ] && { [[ "$repo" == /tmp/* ]] || [[ "$repo" == /root/* ]]; }; then
  mkdir -p "$TB_DIR/repo"
  mount --bind "$repo" "$TB_DIR/repo"
else
  repo=""
fi
mount --bind "$TB_DIR/run" /run
mount --bind "$TB_DIR/docker" /var/lib/docker
mount --bind "$TB_DIR/etc-docker" /etc/docker
mount --bind "$TB_DIR/log" /var/log
mount --bind "$TB_DIR/tmp" /tmp
mount --bind "$TB_DIR/root" /root
if [ -n "$repo" ]; then
  mkdir -p "$repo"
  mount --bind "$TB_DIR/repo" "$repo"
fi

# A resolver that fails at once (TB_RESOLVER=fail-fast): nothing listens on 127.0.0.1:53 in the
# host's own network namespace, so a lookup gets "connection refused" instead of waiting ~20 s for
# the machine's resolver, which a host cannot reach (no NAT). Swarm tries to resolve an image's
# digest before every task start, even of a local image (shared/TESTBED.md).
if [ "${TB_RESOLVER:-}" = fail-fast ]; then
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$TB_DIR/resolv.conf"
  mount --bind "$TB_DIR/resolv.conf" /etc/resolv.conf
fi

if [ "$TB_DOCKERD" = 1 ]; then
  setsid dockerd --data-root /var/lib/docker --exec-root /run/docker --pidfile /run/docker.pid \
    -H unix:///run/docker.sock </dev/null >>/var/log/dockerd.log 2>&1 &
fi

# sshd forks into the background once it listens and writes /run/sshd.pid.
/usr/sbin/sshd -f "$TB_DIR/ssh/sshd_config" -E /var/log/sshd.log
