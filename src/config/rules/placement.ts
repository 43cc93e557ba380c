/**
 * Rule: services that share a network or depend on each other run on the same host. notesctl
 * creates plain bridge networks, which exist on one engine only (no overlay across hosts).
 */
import { type Rule, hostOf, servicesOf } from './context.ts';
import { dependenciesOf } from './references.ts';

/** Report networks and dependencies that would span hosts. */
export const rejectCrossHostLinks: Rule = (context) => {
  const services = servicesOf(context);
  const hosts = new Map(services.map(([name, service]) => [name, hostOf(context, service)]));
  const firstOnNetwork = new Map<string, { service: string; host: string }>();
  for (const [name, service] of services) {
    const host = hosts.get(name) ?? '';
    service.networks?.forEach((network, i) => {
      const first = firstOnNetwork.get(network);
      if (!first) firstOnNetwork.set(network, { service: name, host });
      else if (first.host !== host) {
        context.problems.report(
          ['services', name, 'networks', i],
          `network "${network}" would span hosts: ${first.service} runs on "${first.host}", ${name} on "${host}" — networks do not cross hosts; place both on one host`,
        );
      }
    });
    for (const dependency of dependenciesOf(service.depends_on)) {
      const other = hosts.get(dependency.name);
      if (other !== undefined && other !== host) {
        context.problems.report(
          ['services', name, 'depends_on', dependency.at],
          `${dependency.name} runs on host "${other}" but ${name} runs on "${host}" — a service and its dependencies must share a host`,
          'key',
        );
      }
    }
  }
};
