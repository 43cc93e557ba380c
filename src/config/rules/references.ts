/** Rules for names a service refers to: networks, volumes, secrets and other services. */
import { type Rule, servicesOf, unknownName } from './context.ts';

/** Every network in `services.*.networks` is declared under `networks:`. */
export const checkNetworkReferences: Rule = (context) => {
  const { declared, problems } = context;
  for (const [name, service] of servicesOf(context)) {
    service.networks?.forEach((network, i) => {
      if (!declared.networks.includes(network)) {
        problems.report(
          ['services', name, 'networks', i],
          unknownName('network', network, declared.networks, 'networks'),
        );
      }
    });
  }
};

/** Every volume in `services.*.volumes` is declared under `volumes:`. */
export const checkVolumeReferences: Rule = (context) => {
  const { declared, problems } = context;
  for (const [name, service] of servicesOf(context)) {
    service.volumes?.forEach((mount, i) => {
      const volume = mount.slice(0, mount.indexOf(':'));
      if (!declared.volumes.includes(volume)) {
        problems.report(
          ['services', name, 'volumes', i],
          unknownName('volume', volume, declared.volumes, 'volumes'),
        );
      }
    });
  }
};

/** Every secret a service mounts is declared under `secrets:`. */
export const checkSecretReferences: Rule = (context) => {
  const { declared, problems } = context;
  const check = (path: (string | number)[], secret: string): void => {
    if (!declared.secrets.includes(secret)) {
      problems.report(path, unknownName('secret', secret, declared.secrets, 'secrets'));
    }
  };
  for (const [name, service] of servicesOf(context)) {
    const secrets = service.secrets;
    if (Array.isArray(secrets)) {
      secrets.forEach((entry, i) => {
        if (typeof entry === 'string') check(['services', name, 'secrets', i], entry);
        else check(['services', name, 'secrets', i, 'source'], entry.source);
      });
    } else if (secrets) {
      for (const [variable, secret] of Object.entries(secrets)) {
        check(['services', name, 'secrets', variable], secret);
      }
    }
  }
};

/** The dependencies of a service with the key path of each, whatever form depends_on takes. */
export function dependenciesOf(
  dependsOn: string[] | Record<string, string | { condition: string }> | undefined,
): { name: string; condition: string; at: string | number }[] {
  if (Array.isArray(dependsOn)) {
    return dependsOn.map((name, i) => ({ name, condition: 'started', at: i }));
  }
  return Object.entries(dependsOn ?? {}).map(([name, value]) => ({
    name,
    condition: typeof value === 'string' ? value : value.condition,
    at: name,
  }));
}

/** Every service in `depends_on` is declared under `services:`. */
export const checkDependencyReferences: Rule = (context) => {
  const { declared, problems } = context;
  for (const [name, service] of servicesOf(context)) {
    for (const dependency of dependenciesOf(service.depends_on)) {
      if (!declared.services.includes(dependency.name)) {
        const others = declared.services.filter((s) => s !== name);
        problems.report(
          ['services', name, 'depends_on', dependency.at],
          unknownName('service', dependency.name, others, 'services'),
          'key',
        );
      }
    }
  }
};
