/** SSH targets as written under `hosts:` (`root@203.0.113.10:22`, `deploy@[2001:db8::1]:2222`). */
import { isIPv6 } from 'node:net';

/** The parts of an SSH target, or what is wrong with it. */
export type ParsedSshTarget = { user: string; hostname: string; port: number } | { error: string };

/** Parse a target the schema accepted by shape; checks the port range and IPv6 syntax. */
export function parseSshTarget(target: string): ParsedSshTarget {
  const at = target.indexOf('@');
  const user = target.slice(0, at);
  const rest = target.slice(at + 1);
  let hostname: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    hostname = rest.slice(1, close);
    portText = rest.slice(close + 1).replace(/^:/, '') || undefined;
    if (!isIPv6(hostname)) return { error: `invalid IPv6 address "${hostname}" in "${target}"` };
  } else {
    [hostname = '', portText] = rest.split(':');
  }
  const port = portText === undefined ? 22 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { error: `SSH port ${portText ?? ''} is out of range (1-65535) in "${target}"` };
  }
  return { user, hostname, port };
}
