/**
 * `hosts show`: what notesctl knows about one host — how it is reached, what was found when it
 * was provisioned, the host keys it trusts for it — and never a secret.
 */
import { describeEndpoint } from '../../engine/ssh/endpoint.ts';
import { entryMatches, fingerprint } from '../../engine/ssh/known-hosts.ts';
import { knownHostsFiles, readKnownHosts } from '../../engine/ssh/known-hosts-files.ts';
import type { ResolvedHost } from '../../hosts/resolve.ts';

type Detail = string | number | undefined | string[] | Record<string, string | number | undefined>;

/** The details of host `name`, as `hosts show` prints them (undefined: not shown). */
export async function hostDetails(
  name: string,
  host: ResolvedHost,
): Promise<Record<string, Detail>> {
  const entries = (await readKnownHosts(knownHostsFiles())).filter(
    (e) => e.marker === undefined && entryMatches(e, host.endpoint.hostname, host.endpoint.port),
  );
  const { record } = host;
  return {
    name,
    source: host.source,
    driver: record?.driver ?? 'ssh',
    runtime: host.runtime,
    ssh: describeEndpoint(host.endpoint),
    identity: host.endpoint.identity ?? '(ssh-agent or ~/.ssh/id_*)',
    // A plain server has no Docker socket.
    socket: host.runtime === 'docker' ? host.endpoint.socket : undefined,
    os: record?.os,
    docker: record?.dockerVersion,
    recorded: record?.createdAt,
    hostKeys: entries.map((e) => `${e.keyType} ${fingerprint(e.key)} (${e.file}:${e.line})`),
    digitalocean: record?.digitalocean,
  };
}

/** `key: value` lines; lists and objects indented below their key. */
export function formatDetails(details: Record<string, Detail>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      lines.push(`${key}:${value.length === 0 ? ' -' : ''}`);
      for (const item of value) lines.push(`  - ${item}`);
    } else if (typeof value === 'object') {
      lines.push(`${key}:`);
      for (const [k, v] of Object.entries(value)) if (v !== undefined) lines.push(`  ${k}: ${v}`);
    } else lines.push(`${key}: ${String(value)}`);
  }
  return lines.join('\n');
}
