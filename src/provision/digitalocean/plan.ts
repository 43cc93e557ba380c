/**
 * Pure planning of what `notesctl provision digitalocean` asks DigitalOcean for: the Droplet
 * create body and the Cloud Firewall create body. No IO, no clock: tests compare the output with
 * golden JSON. The effectful side (calling the API in order) is ./create.ts.
 */
import { UsageError } from '../../errors.ts';
import type { ProxySettings, Service, Topology } from '../../model/topology.ts';
import { renderCloudInit } from './cloud-init.ts';
import { swarmInboundRules } from './cluster-firewall.ts';
import type {
  DropletCreateRequest,
  FirewallCreateRequest,
  InboundRule,
  OutboundRule,
} from './types.ts';
import { compareText } from '../../model/order.ts';
import { RESOURCE_NAME } from '../../model/names.ts';

/** Every resource notesctl creates on DigitalOcean carries this tag. */
export const NOTESCTL_TAG = 'notesctl';

/** Everywhere, in both address families. */
export const ALL_ADDRESSES = ['0.0.0.0/0', '::/0'];

/** DigitalOcean refuses user data over 64 KiB. */
const MAX_USER_DATA_BYTES = 64 * 1024;

/** A port the firewall must admit. */
export interface PublishedPort {
  port: number;
  protocol: 'tcp' | 'udp';
}

/** Host names as the topology allows them. */
function checkHostName(hostName: string): void {
  if (!RESOURCE_NAME.test(hostName)) {
    throw new UsageError(
      `host name "${hostName}": expected 1-63 of a-z, A-Z, 0-9, _, . and -, starting with a letter or digit`,
    );
  }
}

/**
 * The tag that marks host `hostName`'s Droplet. DigitalOcean tags allow letters, digits, `_`, `-`
 * and `:`; a `.` (allowed in host names) becomes `:`, which host names never contain, so two
 * hosts can never share a tag.
 */
export function hostTag(hostName: string): string {
  checkHostName(hostName);
  return `notesctl-host-${hostName.replaceAll('.', ':')}`;
}

/**
 * The Droplet's name (it also becomes its hostname): DigitalOcean allows letters, digits, `.` and
 * `-`, ending in a letter or digit. Names are for people; notesctl finds Droplets by tag.
 */
export function dropletName(hostName: string): string {
  checkHostName(hostName);
  return hostName.replaceAll('_', '-').replace(/[^a-zA-Z0-9]+$/, '');
}

/**
 * Ports the topology publishes on `hostName` (with `proxy`, the edge proxy's where a web service
 * is), deduplicated and sorted. A port bound to a loopback address is left out: nothing outside
 * the machine can reach it, so the firewall need not open it.
 */
export function publishedPorts(
  services: Record<string, Service>,
  hostName: string,
  proxy?: ProxySettings,
): PublishedPort[] {
  const seen = new Map<string, PublishedPort>();
  for (const service of Object.values(services)) {
    if (service.host !== hostName) continue;
    // A web service is served by the host's edge proxy, on its HTTP and HTTPS ports (issue 19).
    if (service.http && proxy) {
      for (const port of [proxy.httpPort, proxy.httpsPort])
        seen.set(`tcp/${port}`, { port, protocol: 'tcp' });
    }
    for (const mapping of service.ports) {
      if (mapping.hostIp === '127.0.0.1' || mapping.hostIp === '::1') continue;
      seen.set(`${mapping.protocol}/${mapping.hostPort}`, {
        port: mapping.hostPort,
        protocol: mapping.protocol,
      });
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || compareText(a.protocol, b.protocol));
}

/**
 * The ports a new host's firewall admits besides SSH, and why (said in the output): those the
 * services placed on its `cluster` publish, if any; else those the services placed on `name`
 * publish; if none is placed there, every port the topology publishes (for `up --host NAME`);
 * without a topology file, none.
 */
export function firewallPorts(
  topology: Topology | undefined,
  name: string,
  cluster?: string,
): { ports: PublishedPort[]; portsReason: string } {
  if (!topology) return { ports: [], portsReason: 'no topology file here, so SSH only' };
  // A member of a cluster may run any task of the services placed on the cluster (issue 20).
  const onCluster =
    cluster === undefined ? [] : publishedPorts(topology.services, cluster, topology.proxy);
  if (onCluster.length > 0)
    return { ports: onCluster, portsReason: `the ports ${topology.file} publishes on ${cluster}` };
  const placed = publishedPorts(topology.services, name, topology.proxy);
  if (placed.length > 0)
    return { ports: placed, portsReason: `the ports ${topology.file} publishes on ${name}` };
  const everywhere = Object.fromEntries(
    Object.entries(topology.services).map(([k, s]) => [k, { ...s, host: name }]),
  );
  const ports = publishedPorts(everywhere, name, topology.proxy);
  return {
    ports,
    portsReason: `no service of ${topology.file} is placed on ${name}: every port it publishes (for \`up --host ${name}\`)`,
  };
}

/** What the Droplet plan needs. */
export interface DropletPlanInput {
  hostName: string;
  region: string;
  size: string;
  image: string;
  /** Id of the registered SSH key root logs in with. */
  sshKeyId: number;
  /** Text of templates/cloud-init.yaml. */
  cloudInitTemplate: string;
  ipv6?: boolean;
  monitoring?: boolean;
}

/** The body of `POST /v2/droplets` for host `hostName`. */
export function planDroplet(input: DropletPlanInput): DropletCreateRequest {
  const userData = renderCloudInit(input.cloudInitTemplate, { host_name: input.hostName });
  const bytes = Buffer.byteLength(userData, 'utf8');
  if (bytes > MAX_USER_DATA_BYTES) {
    throw new Error(`cloud-init user data is ${bytes} bytes; DigitalOcean accepts at most 64 KiB`);
  }
  return {
    name: dropletName(input.hostName),
    region: input.region,
    size: input.size,
    image: input.image,
    ssh_keys: [input.sshKeyId],
    user_data: userData,
    tags: [NOTESCTL_TAG, hostTag(input.hostName)],
    ipv6: input.ipv6 ?? false,
    monitoring: input.monitoring ?? false,
  };
}

/** What the firewall plan needs. */
export interface FirewallPlanInput {
  hostName: string;
  /** Ports the topology publishes there (see publishedPorts). */
  ports: PublishedPort[];
  dropletIds: number[];
  /** With `--cluster`: the cluster's tag, the only source admitted on the swarm ports. */
  clusterTag?: string | undefined;
}

/**
 * The body of `POST /v2/firewalls` for host `hostName`: inbound only SSH (22/tcp) and the
 * published ports, from anywhere — and, in a cluster, the swarm ports from the cluster's tag only
 * (./cluster-firewall.ts); outbound everything (TCP and UDP on every port, and ICMP), so
 * the server can install packages, resolve names and pull images.
 */
export function planFirewall(input: FirewallPlanInput): FirewallCreateRequest {
  const inbound = new Map<string, InboundRule>();
  for (const { port, protocol } of [{ port: 22, protocol: 'tcp' as const }, ...input.ports]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`host ${input.hostName}: published port ${port} is not in 1-65535`);
    }
    inbound.set(`${protocol}/${port}`, {
      protocol,
      ports: String(port),
      sources: { addresses: [...ALL_ADDRESSES] },
    });
  }
  const swarm = input.clusterTag === undefined ? [] : swarmInboundRules(input.clusterTag);
  const outbound: OutboundRule[] = [
    { protocol: 'tcp', ports: '1-65535', destinations: { addresses: [...ALL_ADDRESSES] } },
    { protocol: 'udp', ports: '1-65535', destinations: { addresses: [...ALL_ADDRESSES] } },
    // ICMP has no ports; DigitalOcean's own clients leave the field out.
    { protocol: 'icmp', destinations: { addresses: [...ALL_ADDRESSES] } },
  ];
  return {
    name: `notesctl-${dropletName(input.hostName)}`,
    inbound_rules: [...inbound.values(), ...swarm],
    outbound_rules: outbound,
    droplet_ids: [...input.dropletIds],
    tags: [],
  };
}
