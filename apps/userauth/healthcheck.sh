#!/bin/bash
# The image's HEALTHCHECK, also run by `notesctl up` (through exec) while it waits for userauth to
# be ready: one `GET /health` on this container's own port (at HOST when the server listens on one
# address, else on loopback); exit 0 on 200, 1 otherwise (refused, no answer within 3 s, any other
# status), with the reason on stderr, where Docker's health log and notesctl's "last check said"
# show it.
#
# Bash and not Node: the check used to be `node dist/healthcheck.js` (one fetch), a whole Node
# start-up per probe. Measured on the 2-core test machine, inside the container: this script
# 15-25 ms, the Node one 0.2-0.65 s; through `docker exec`, as `notesctl up` runs it while it
# waits: 0.28-0.36 s against 0.7-1.1 s (most of the 0.3 s is the docker CLI itself). So ~0.5 s
# less per probe in up's start chain, and no Node start-up per interval in steady state. Bash's
# /dev/tcp needs no curl in the image, and nothing here runs another program.
set -u

port=${PORT:-3333}
host=${HOST:-}
case $host in '' | 0.0.0.0 | ::) host=127.0.0.1 ;; esac

# The brace group silences bash's own "connect: Connection refused" lines; fd 3 stays open.
if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
  echo "healthcheck: cannot connect to $host:$port" >&2
  exit 1
fi
if ! printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 2>/dev/null; then
  echo "healthcheck: cannot send the request to $host:$port" >&2
  exit 1
fi
status=''
if ! IFS= read -r -t 3 status <&3; then
  echo "healthcheck: no status line from $host:$port within 3 s${status:+ (got \"$status\")}" >&2
  exit 1
fi
status=${status%$'\r'}
# The rest (headers, a small JSON body) is left unread, as the Node check did: closing is enough.
exec 3<&-
if [[ $status =~ ^HTTP/1\.[01]\ 200( |$) ]]; then
  exit 0
fi
echo "healthcheck: GET /health answered \"$status\"" >&2
exit 1
