/**
 * Translation between Docker API shapes and the Engine's own types, kept apart from the calls so
 * both stay small and this part is testable without an engine.
 */
import type Docker from 'dockerode';
import type {
  ContainerDetails,
  ContainerSpec,
  ContainerSummary,
  ImageSummary,
  Labels,
} from './engine.ts';

type Health = ContainerSummary['health'];

/** Docker sends null for empty lists and maps, whatever the typings say. */
export function orDefault<T>(value: T | null | undefined, fallback: T): T {
  return value ?? fallback;
}

function parseHealth(status: string | undefined): Health {
  if (status === 'healthy' || status === 'unhealthy' || status === 'starting') return status;
  return undefined;
}

function exitCodeOf(status: string): number | undefined {
  const match = /^Exited \((\d+)\)/.exec(status);
  return match ? Number(match[1]) : undefined;
}

/** Docker's list entry → ContainerSummary. */
export function toContainerSummary(c: Docker.ContainerInfo): ContainerSummary {
  const healthMatch = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status);
  const health = healthMatch ? parseHealth(healthMatch[1]?.replace('health: ', '')) : undefined;
  return {
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    imageId: c.ImageID,
    labels: c.Labels,
    state: c.State,
    status: c.Status,
    health,
    exitCode: exitCodeOf(c.Status),
    createdAt: new Date(c.Created * 1000),
    // Unpublished ports come without PublicPort or IP, whatever the typings say.
    ports: (
      c.Ports as (Omit<Docker.Port, 'PublicPort' | 'IP'> & { PublicPort?: number; IP?: string })[]
    )
      .filter((p): p is typeof p & { PublicPort: number } => p.PublicPort !== undefined)
      .map((p) => ({
        hostIp: p.IP ?? '',
        hostPort: p.PublicPort,
        containerPort: p.PrivatePort,
        protocol: p.Type,
      })),
    networks: Object.keys(c.NetworkSettings.Networks),
  };
}

/** Docker's inspect result → ContainerDetails. */
export function toContainerDetails(info: Docker.ContainerInspectInfo): ContainerDetails {
  const state = info.State as Docker.ContainerInspectInfo['State'] & {
    Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] };
  };
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    labels: info.Config.Labels,
    running: state.Running,
    status: state.Status,
    exitCode: state.ExitCode,
    startedAt:
      state.StartedAt && !state.StartedAt.startsWith('0001')
        ? new Date(state.StartedAt)
        : undefined,
    health: parseHealth(state.Health?.Status),
    healthLog: (state.Health?.Log ?? []).map((l) => ({ exitCode: l.ExitCode, output: l.Output })),
    restartCount: info.RestartCount,
    env: info.Config.Env,
    user: info.Config.User,
    addresses: Object.fromEntries(
      Object.entries(orDefault(info.NetworkSettings.Networks, {}))
        .filter(([, n]) => n.IPAddress !== '')
        .map(([name, n]) => [name, n.IPAddress]),
    ),
  };
}

const NS = 1_000_000;

/** ContainerSpec → the body of POST /containers/create. */
export function toCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const b of spec.portBindings) {
    (portBindings[b.containerPort] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  }
  return {
    name: spec.name,
    Image: spec.image,
    Labels: spec.labels,
    Env: spec.env,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ExposedPorts: Object.fromEntries(spec.exposedPorts.map((p) => [p, {}])),
    StopTimeout: spec.stopTimeoutS,
    ...(spec.healthcheck
      ? {
          Healthcheck: {
            Test: spec.healthcheck.test,
            Interval: spec.healthcheck.intervalMs * NS,
            Timeout: spec.healthcheck.timeoutMs * NS,
            Retries: spec.healthcheck.retries,
            StartPeriod: spec.healthcheck.startPeriodMs * NS,
          },
        }
      : {}),
    HostConfig: {
      PortBindings: portBindings,
      Mounts: spec.mounts.map((m) => ({
        Type: 'volume',
        Source: m.volume,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      RestartPolicy: { Name: spec.restart.name, MaximumRetryCount: spec.restart.maximumRetryCount },
      SecurityOpt: spec.securityOpt,
      Init: spec.init,
    },
    NetworkingConfig: spec.network
      ? { EndpointsConfig: { [spec.network.name]: { Aliases: spec.network.aliases } } }
      : {},
  };
}

/** An image as inspected, in our words. */
export function toImageSummary(info: Docker.ImageInspectInfo): ImageSummary {
  const test = info.Config.Healthcheck?.Test;
  return {
    id: info.Id,
    tags: orDefault<string[]>(info.RepoTags, []),
    labels: orDefault<Labels>(info.Config.Labels, {}),
    sizeBytes: info.Size,
    layers: (info.RootFS.Layers as string[] | null | undefined) ?? [],
    healthcheck: test && test.length > 0 && test[0] !== 'NONE' ? { test } : undefined,
  };
}
