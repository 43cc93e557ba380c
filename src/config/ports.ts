/** Published-port specs (`"3000:3000"`, `"127.0.0.1:8080:80/udp"`, `"[::1]:8080:80"`). */
import { isIPv4, isIPv6 } from 'node:net';
import type { PortMapping } from '../model/topology.ts';

/** A parsed port mapping, or what is wrong with it. */
export type ParsedPort = { port: PortMapping } | { error: string };

const SPEC = /^(?:(\[[^\]]*\]|[\d.]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/;

/** Whether `n` is a usable TCP/UDP port number. */
export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Parse a spec the schema accepted by shape; checks ranges and the IP address. */
export function parsePort(spec: string): ParsedPort {
  const match = SPEC.exec(spec);
  if (!match) return { error: `expected "HOST:CONTAINER", got ${JSON.stringify(spec)}` };
  const [, ip, host, container, protocol] = match;
  const hostPort = Number(host);
  const containerPort = Number(container);
  if (!isPort(hostPort)) return { error: `host port ${host} is out of range (1-65535)` };
  if (!isPort(containerPort)) {
    return { error: `container port ${container} is out of range (1-65535)` };
  }
  let hostIp: string | undefined;
  if (ip !== undefined) {
    hostIp = ip.startsWith('[') ? ip.slice(1, -1) : ip;
    if (ip.startsWith('[') ? !isIPv6(hostIp) : !isIPv4(hostIp)) {
      return { error: `invalid IP address ${JSON.stringify(ip)} in ${JSON.stringify(spec)}` };
    }
  }
  return {
    port: { hostIp, hostPort, containerPort, protocol: protocol === 'udp' ? 'udp' : 'tcp' },
  };
}

/** Whether two host addresses can clash: equal, or either listens on every address. */
export function addressesOverlap(a: string | undefined, b: string | undefined): boolean {
  const any = (ip: string | undefined): boolean =>
    ip === undefined || ip === '0.0.0.0' || ip === '::';
  return any(a) || any(b) || a === b;
}
