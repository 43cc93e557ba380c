/**
 * From a host name to where it is: the topology's `hosts:` first (the file is the source of
 * truth for a deployment), then the host store (hosts recorded by `notesctl provision`).
 */
import { didYouMean } from '../config/suggest.ts';
import { UsageError } from '../errors.ts';
import {
  DEFAULT_REMOTE_SOCKET,
  LOCAL_HOST,
  type Host,
  type Runtime,
  type SshEndpoint,
  type Topology,
} from '../model/topology.ts';
import { listHosts, readHost, type HostRecord } from './store.ts';

/** A host found by name. */
export interface ResolvedHost {
  endpoint: SshEndpoint;
  source: 'topology' | 'store';
  /** The store's record, when the host is recorded there (even if the topology wins). */
  record: HostRecord | undefined;
  /** What runs its services (issue 21): the topology's runtime, else the record's, else docker. */
  runtime: Runtime;
}

/** The endpoint a store record describes. */
export function endpointOf(record: HostRecord): SshEndpoint {
  return {
    name: record.name,
    user: record.user,
    hostname: record.hostname,
    port: record.port,
    identity: record.identity,
    socket: record.socket || DEFAULT_REMOTE_SOCKET,
  };
}

/**
 * A declared host at the address of its record without `identity:` logs in with the record's
 * key: declaring a provisioned host again (for `firewall:` or `node:`, issue 21) need not repeat
 * it. Another address is another server, whose key the record does not know.
 */
function declaredEndpoint(declared: Host, record: HostRecord | undefined): SshEndpoint {
  const same =
    record?.hostname === declared.hostname &&
    record.port === declared.port &&
    record.user === declared.user;
  if (declared.identity !== undefined || !same) return { ...declared };
  return { ...declared, identity: record.identity };
}

/** Find `name` in the topology, then in the store; a UsageError listing known hosts otherwise. */
export async function resolveHost(
  name: string,
  topology: Topology | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedHost> {
  const record = await readHost(name, env);
  const declared = topology?.hosts[name];
  if (declared) {
    const endpoint = declaredEndpoint(declared, record);
    return { endpoint, source: 'topology', record, runtime: declared.runtime };
  }
  if (record) {
    const runtime = record.runtime ?? 'docker';
    return { endpoint: endpointOf(record), source: 'store', record, runtime };
  }
  const known = [
    ...new Set([
      ...Object.keys(topology?.hosts ?? {}),
      ...(await listHosts(env)).map((h) => h.name),
    ]),
  ].sort();
  const where = topology ? `under hosts: in ${topology.file} or ` : '';
  throw new UsageError(
    `unknown host "${name}": not ${where}recorded by notesctl provision${didYouMean(name, [LOCAL_HOST, ...known])}`,
    {
      hint:
        known.length > 0
          ? `Known hosts: ${known.join(', ')}. Add it with \`notesctl provision ssh ${name} USER@ADDRESS\`.`
          : `No hosts are known yet. Add one with \`notesctl provision ssh ${name} USER@ADDRESS\` or declare it under hosts: in the topology.`,
    },
  );
}
