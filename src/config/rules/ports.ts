/** Rules for ports: ranges, and one owner per published host port on each host. */
import type { PortMapping } from '../../model/topology.ts';
import { formatPath } from '../locate.ts';
import { addressesOverlap, isPort, parsePort } from '../ports.ts';
import { type Rule, hostOf, servicesOf } from './context.ts';

/** Ports parse (numbers 1-65535, valid IP) and no host port is published twice on a host. */
export const checkPublishedPorts: Rule = (context) => {
  const taken: { host: string; port: PortMapping; path: (string | number)[] }[] = [];
  for (const [name, service] of servicesOf(context)) {
    const host = hostOf(context, service);
    service.ports?.forEach((spec, i) => {
      const path = ['services', name, 'ports', i];
      const parsed = parsePort(spec);
      if ('error' in parsed) {
        context.problems.report(path, parsed.error);
        return;
      }
      const { port } = parsed;
      const clash = taken.find(
        (t) =>
          t.host === host &&
          t.port.hostPort === port.hostPort &&
          t.port.protocol === port.protocol &&
          addressesOverlap(t.port.hostIp, port.hostIp),
      );
      if (clash) {
        const where = host === 'local' ? '' : ` on host "${host}"`;
        context.problems.report(
          path,
          `host port ${port.hostPort}/${port.protocol}${where} is already published by ${formatPath(clash.path)}`,
        );
      } else taken.push({ host, port, path });
    });
  }
};

/** `expose:` entries given as strings (from interpolation) are ports in range. */
export const checkExposedPorts: Rule = (context) => {
  for (const [name, service] of servicesOf(context)) {
    service.expose?.forEach((port, i) => {
      if (!isPort(Number(port))) {
        context.problems.report(
          ['services', name, 'expose', i],
          `expected a port number 1-65535, got ${JSON.stringify(port)}`,
        );
      }
    });
  }
};
