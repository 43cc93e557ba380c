/**
 * The other peer: the same topology as a plain bash script of docker CLI calls, written the way a
 * careful operator would: read the state once, create only what is missing, create containers
 * before starting any, start in dependency order, wait (with a deadline, failing on a stopped or
 * unhealthy container) for each dependency's condition before starting its dependents, stop
 * dependents first. What it cannot do is notice that a container's settings changed.
 *
 * Waiting has two modes: WAIT_MODE=health polls Docker's health status every 0.2 s (what scripts
 * usually do; the first check runs one `interval` after the start), WAIT_MODE=exec runs the
 * healthcheck command through `docker exec` every 0.2 s (what notesctl does).
 */
import { checkArgv } from '../../src/apply/probe.ts';
import type { Service, Topology } from '../../src/model/topology.ts';
import { composeDuration } from './compose-file.ts';

/** Quote one word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_/.:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Dependency depth of every service (0 = depends on nothing). */
export function dependencyLevels(topology: Topology): Map<string, number> {
  const levels = new Map<string, number>();
  const level = (name: string, path: string[]): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    if (path.includes(name)) throw new Error(`dependency cycle: ${[...path, name].join(' → ')}`);
    const deps = Object.keys(topology.services[name]?.dependsOn ?? {});
    const value = Math.max(-1, ...deps.map((d) => level(d, [...path, name]))) + 1;
    levels.set(name, value);
    return value;
  };
  for (const name of Object.keys(topology.services)) level(name, []);
  return levels;
}

const fn = (service: string) => service.replace(/[^A-Za-z0-9_]/g, '_');

/** Group `--flag value` pairs one to a line; the image and its arguments share the last line. */
function lines(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    const next = args[i + 1];
    if (word.startsWith('-') && next !== undefined) {
      out.push(`${word} ${next}`);
      i++;
    } else {
      out.push(args.slice(i).join(' '));
      break;
    }
  }
  return out;
}

function createFunction(s: Service, image: string): string {
  const [first, ...others] = s.networks;
  const args: string[] = ['--name', `"$P-${s.name}"`, '--label', '"$L"'];
  if (first) args.push('--network', `"\${P}_${first}"`, '--network-alias', shellQuote(s.name));
  for (const [k, v] of Object.entries(s.env)) args.push('-e', shellQuote(`${k}=${v}`));
  for (const m of s.secrets) {
    if (m.envVar) args.push('-e', shellQuote(`${m.envVar}=${m.target}`));
    args.push('-v', `"$S/${m.secret}:${m.target}:ro"`);
  }
  for (const v of s.volumes)
    args.push(
      '--mount',
      `"type=volume,src=\${P}_${v.volume},dst=${v.target}${v.readOnly ? ',readonly' : ''}"`,
    );
  for (const p of s.ports)
    args.push(
      '-p',
      `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}:${p.containerPort}/${p.protocol}`,
    );
  for (const p of s.expose) args.push('--expose', String(p));
  if (s.healthcheck) {
    const [kind, ...rest] = s.healthcheck.test;
    // The CLI only knows the shell form; CMD arguments are joined back into one command.
    const command = kind === 'CMD-SHELL' ? rest.join(' ') : rest.map(shellQuote).join(' ');
    args.push(
      '--health-cmd',
      shellQuote(command),
      '--health-interval',
      composeDuration(s.healthcheck.intervalMs),
      '--health-timeout',
      composeDuration(s.healthcheck.timeoutMs),
      '--health-retries',
      String(s.healthcheck.retries),
      '--health-start-period',
      composeDuration(s.healthcheck.startPeriodMs),
    );
  }
  const restart =
    s.restart.name === 'on-failure' && s.restart.maximumRetryCount > 0
      ? `on-failure:${s.restart.maximumRetryCount}`
      : s.restart.name;
  args.push('--restart', restart, '--stop-timeout', String(Math.ceil(s.stopGracePeriodMs / 1000)));
  args.push('--security-opt', 'no-new-privileges:true');
  if (s.user) args.push('--user', shellQuote(s.user));
  const [entry, ...entryRest] = s.entrypoint ?? [];
  if (entry !== undefined) args.push('--entrypoint', shellQuote(entry));
  args.push(shellQuote(image), ...[...entryRest, ...(s.command ?? [])].map(shellQuote));
  const connects = others.map(
    (n) => `  docker network connect --alias ${shellQuote(s.name)} "\${P}_${n}" "$P-${s.name}"`,
  );
  return [
    `create_${fn(s.name)}() {`,
    `  [ -z "$(state_of "$P-${s.name}")" ] || return 0`,
    `  docker create \\\n    ${lines(args).join(' \\\n    ')} >/dev/null`,
    ...connects,
    '}',
  ].join('\n');
}

function waitFunction(s: Service): string {
  const body = s.healthcheck
    ? `wait_healthy ${shellQuote(s.name)} ${checkArgv(s.healthcheck.test).map(shellQuote).join(' ')}`
    : 'true';
  return `wait_${fn(s.name)}() { ${body}; }`;
}

/** Render the script; `images` maps every service to its image, `secretsDir` holds secret files. */
export function dockerScript(
  topology: Topology,
  prefix: string,
  images: Map<string, string>,
  secretsDir: string,
): string {
  const levels = dependencyLevels(topology);
  const order = Object.keys(topology.services).sort(
    (a, b) => (levels.get(a) ?? 0) - (levels.get(b) ?? 0) || a.localeCompare(b),
  );
  const services = order.map((name) => topology.services[name]).filter((s) => s !== undefined);
  const image = (s: Service) => images.get(s.name) ?? '(missing image)';
  const networks = Object.values(topology.networks).map(
    (n) =>
      `  has "\${P}_${n.name}" "$NETS" || docker network create --label "$L"${n.internal ? ' --internal' : ''} "\${P}_${n.name}" >/dev/null`,
  );
  const volumes = Object.keys(topology.volumes).map(
    (v) =>
      `  has "\${P}_${v}" "$VOLS" || docker volume create --label "$L" "\${P}_${v}" >/dev/null`,
  );
  const starts = services.flatMap((s) => [
    ...Object.entries(s.dependsOn).map(([dep, condition]) => `  need ${dep} ${condition}`),
    `  start_service ${s.name}`,
  ]);
  const maxLevel = Math.max(0, ...levels.values());
  const stops = Array.from({ length: maxLevel + 1 }, (_, i) => maxLevel - i).map(
    (level) =>
      `  stop_running ${services
        .filter((s) => levels.get(s.name) === level)
        .map((s) => `"$P-${s.name}"`)
        .join(' ')}`,
  );
  return `#!/usr/bin/env bash
# Generated by bench/local.ts from ${topology.file}: the same stack with plain docker CLI calls.
# usage: $0 up | create | ps | down [-v]      (WAIT_MODE=health|exec, READY_TIMEOUT=seconds)
set -euo pipefail
P=${shellQuote(prefix)}
L=${shellQuote(`io.notesctl.bench.script=${prefix}`)}
S=${shellQuote(secretsDir)}
WAIT_MODE=\${WAIT_MODE:-health}
READY_TIMEOUT=\${READY_TIMEOUT:-180}
declare -A STARTED=() READY=()

die() { echo "error: $*" >&2; exit 1; }
has() { grep -qxF -- "$1" <<<"$2"; }
# Read the state once: networks, volumes and "name state" of containers carrying our label.
observe() {
  NETS=$(docker network ls --filter "label=$L" --format '{{.Name}}')
  VOLS=$(docker volume ls --filter "label=$L" --format '{{.Name}}')
  CTRS=$(docker ps -a --filter "label=$L" --format '{{.Names}} {{.State}}')
}
state_of() { awk -v n="$1" '$1 == n { print $2 }' <<<"$CTRS"; }

# wait_healthy SERVICE CHECK...: until healthy, failing on a stopped/unhealthy container or timeout.
wait_healthy() {
  local svc=$1 name="$P-$1" deadline=$((SECONDS + READY_TIMEOUT)) state health
  shift
  while :; do
    if [ "$WAIT_MODE" = exec ]; then
      docker exec "$name" "$@" >/dev/null 2>&1 && return 0
      state=$(docker inspect -f '{{.State.Status}}' "$name")
    else
      read -r state health <<<"$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name")"
      [ "$health" != healthy ] || return 0
      [ "$health" != unhealthy ] || die "$svc is unhealthy"
    fi
    case $state in exited | dead) die "$svc stopped: $(docker logs --tail 20 "$name" 2>&1)" ;; esac
    [ "$SECONDS" -lt "$deadline" ] || die "$svc is not healthy after $READY_TIMEOUT s"
    sleep 0.2
  done
}

${services.map((s) => `${createFunction(s, image(s))}\n${waitFunction(s)}`).join('\n\n')}

start_service() {
  case "$(state_of "$P-$1")" in
    running | restarting) ;;
    *)
      docker start "$P-$1" >/dev/null
      STARTED[$1]=1
      ;;
  esac
}
# need SERVICE CONDITION: wait for a service started by this run (once).
need() {
  [ -n "\${STARTED[$1]-}" ] && [ -z "\${READY[$1]-}" ] || return 0
  case $2 in
    healthy) "wait_\${1//-/_}" ;;
    completed) [ "$(docker wait "$P-$1")" = 0 ] || die "$1 did not complete successfully" ;;
  esac
  READY[$1]=1
}
stop_running() {
  local names=() n
  for n in "$@"; do
    case "$(state_of "$n")" in running | restarting | paused) names+=("$n") ;; esac
  done
  [ \${#names[@]} -eq 0 ] || docker stop "\${names[@]}" >/dev/null
}

create() {
  observe
${networks.join('\n')}
${volumes.join('\n')}
${services.map((s) => `  create_${fn(s.name)}`).join('\n')}
}

up() {
  create
${starts.join('\n')}
${services.map((s) => `  need ${s.name} ${s.healthcheck ? 'healthy' : 'started'}`).join('\n')}
}

down() {
  observe
${stops.join('\n')}
  local ids
  ids=$(docker ps -aq --filter "label=$L")
  [ -z "$ids" ] || docker rm $ids >/dev/null
  [ -z "$NETS" ] || docker network rm $NETS >/dev/null
  if [ "\${1-}" = -v ] && [ -n "$VOLS" ]; then docker volume rm $VOLS >/dev/null; fi
}

case \${1-} in
  up | create | down) "$@" ;;
  ps) docker ps -a --filter "label=$L" --format 'table {{.Names}}\\t{{.Status}}\\t{{.Ports}}' ;;
  *) die "usage: $0 up | create | ps | down [-v]" ;;
esac
`;
}
