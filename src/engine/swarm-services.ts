/**
 * The Swarm calls the `swarm` target makes through a manager (issue 20): services, their tasks,
 * secrets, configs and overlay networks, found by label. Payloads keep the Engine API's field
 * names (ServiceSpec is what Docker stores and returns, so the planner compares like with like);
 * answers come back in notesctl's own small types.
 */
import { labelFilter, query } from './api-request.ts';
import type { Engine, Labels } from './engine.ts';
import type { ServiceSpec } from '../model/swarm-spec.ts';

export type { ServiceSpec, UpdateConfig } from '../model/swarm-spec.ts';

/** A Swarm service as listed. */
export interface SwarmService {
  id: string;
  /** The spec's version: an update names it (optimistic concurrency). */
  version: number;
  spec: ServiceSpec;
  /** The last update's state (`updating`, `completed`, `rollback_completed`…) and message. */
  update: { state: string; message: string } | undefined;
}

/** One task of a service: a container slot on a node. */
export interface SwarmTask {
  id: string;
  serviceId: string;
  nodeId: string;
  slot: number | undefined;
  desiredState: string;
  state: string;
  message: string;
  error: string | undefined;
  containerId: string | undefined;
  exitCode: number | undefined;
  timestamp: string;
  /** The task's own image (differs from the service's during an update). */
  image: string;
  /** Its container spec's labels (notesctl puts the service's config hash there). */
  labels: Labels;
  /** Its address on each network it is attached to (network name → IP without prefix). */
  addresses: Record<string, string>;
}

/** A secret or config object as listed (never its value). */
export interface SwarmObject {
  id: string;
  name: string;
  labels: Labels;
}

interface ApiService {
  ID: string;
  Version: { Index: number };
  Spec: ServiceSpec;
  UpdateStatus?: { State?: string; Message?: string };
}

interface ApiTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: {
    State: string;
    Message?: string;
    Err?: string;
    Timestamp: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  Spec: { ContainerSpec?: { Image?: string; Labels?: Labels } };
  NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses?: string[] }[];
}

interface ApiObject {
  ID: string;
  Spec: { Name: string; Labels?: Labels };
}

/** The project's services (those carrying `labels`). */
export async function listServices(engine: Engine, labels: Labels): Promise<SwarmService[]> {
  const list = await engine.request<ApiService[]>('list services', undefined, {
    method: 'GET',
    path: `/services${query({ filters: labelFilter(labels) })}`,
  });
  return list.map((s) => ({
    id: s.ID,
    version: s.Version.Index,
    spec: withDefaults(s.Spec),
    update: s.UpdateStatus?.State
      ? { state: s.UpdateStatus.State, message: s.UpdateStatus.Message ?? '' }
      : undefined,
  }));
}

/**
 * A spec as Docker returns it, with the empty fields it leaves out put back (no constraints, no
 * published ports), so readers need not guess which of the spec's fields may be missing.
 */
function withDefaults(spec: ServiceSpec): ServiceSpec {
  const partial = spec as {
    Labels?: ServiceSpec['Labels'];
    TaskTemplate: {
      Placement?: { Constraints?: string[] };
      Networks?: ServiceSpec['TaskTemplate']['Networks'];
    };
    EndpointSpec?: Partial<ServiceSpec['EndpointSpec']>;
  };
  return {
    ...spec,
    Labels: partial.Labels ?? {},
    TaskTemplate: {
      ...spec.TaskTemplate,
      Placement: { Constraints: partial.TaskTemplate.Placement?.Constraints ?? [] },
      Networks: partial.TaskTemplate.Networks ?? [],
    },
    EndpointSpec: {
      Mode: partial.EndpointSpec?.Mode ?? 'vip',
      Ports: partial.EndpointSpec?.Ports ?? [],
    },
  };
}

/** Create a service; its id. */
export async function createService(engine: Engine, spec: ServiceSpec): Promise<string> {
  const created = await engine.request<{ ID: string }>('create service', spec.Name, {
    method: 'POST',
    path: '/services/create',
    body: spec,
  });
  return created.ID;
}

/** Replace service `id`'s spec (a rolling update); `version` is the spec version read. */
export async function updateService(
  engine: Engine,
  id: string,
  version: number,
  spec: ServiceSpec,
): Promise<void> {
  await engine.request('update service', spec.Name, {
    method: 'POST',
    path: `/services/${id}/update${query({ version })}`,
    body: spec,
  });
}

/** Remove a service (its tasks stop). */
export async function removeService(engine: Engine, id: string, name: string): Promise<void> {
  await engine.request('remove service', name, {
    method: 'DELETE',
    path: `/services/${encodeURIComponent(id)}`,
    accept: [404],
  });
}

/** The tasks of the services named `services` (every desired state, oldest first). */
export async function listTasks(engine: Engine, services: string[]): Promise<SwarmTask[]> {
  if (services.length === 0) return [];
  const list = await engine.request<ApiTask[]>('list tasks', undefined, {
    method: 'GET',
    path: `/tasks${query({ filters: JSON.stringify({ service: services }) })}`,
  });
  return list
    .map((t) => ({
      id: t.ID,
      serviceId: t.ServiceID,
      nodeId: t.NodeID ?? '',
      slot: t.Slot,
      desiredState: t.DesiredState,
      state: t.Status.State,
      message: t.Status.Message ?? '',
      error: t.Status.Err,
      containerId: t.Status.ContainerStatus?.ContainerID,
      exitCode: t.Status.ContainerStatus?.ExitCode,
      timestamp: t.Status.Timestamp,
      image: t.Spec.ContainerSpec?.Image ?? '',
      labels: t.Spec.ContainerSpec?.Labels ?? {},
      addresses: Object.fromEntries(
        (t.NetworksAttachments ?? []).map((a) => [
          a.Network.Spec.Name,
          (a.Addresses?.[0] ?? '').split('/')[0] ?? '',
        ]),
      ),
    }))
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/** Secrets (`secrets`) or configs (`configs`) carrying `labels`. */
export async function listObjects(
  engine: Engine,
  kind: 'secrets' | 'configs',
  labels: Labels,
): Promise<SwarmObject[]> {
  const list = await engine.request<ApiObject[]>(`list ${kind}`, undefined, {
    method: 'GET',
    path: `/${kind}${query({ filters: labelFilter(labels) })}`,
  });
  return list.map((o) => ({ id: o.ID, name: o.Spec.Name, labels: o.Spec.Labels ?? {} }));
}

/** Create a secret or config holding `data`; its id. The value never leaves this call. */
export async function createObject(
  engine: Engine,
  kind: 'secrets' | 'configs',
  spec: { name: string; labels: Labels; data: Buffer },
): Promise<string> {
  const created = await engine.request<{ ID: string }>(`create ${kind.slice(0, -1)}`, spec.name, {
    method: 'POST',
    path: `/${kind}/create`,
    body: { Name: spec.name, Labels: spec.labels, Data: spec.data.toString('base64') },
  });
  return created.ID;
}

/** Remove a secret or config (done if it is gone already). */
export async function removeObject(
  engine: Engine,
  kind: 'secrets' | 'configs',
  id: string,
  name: string,
): Promise<void> {
  await engine.request(`remove ${kind.slice(0, -1)}`, name, {
    method: 'DELETE',
    path: `/${kind}/${encodeURIComponent(id)}`,
    accept: [404],
  });
}

/** Create an overlay network (attachable, so a probe container can join it); its id. */
export async function createOverlay(
  engine: Engine,
  spec: { name: string; internal: boolean; encrypted: boolean; labels: Labels },
): Promise<string> {
  const created = await engine.request<{ Id: string }>('create network', spec.name, {
    method: 'POST',
    path: '/networks/create',
    body: {
      Name: spec.name,
      Driver: 'overlay',
      Internal: spec.internal,
      Attachable: true,
      Labels: spec.labels,
      Options: spec.encrypted ? { encrypted: '' } : {},
      CheckDuplicate: true,
    },
  });
  return created.Id;
}

/** Overlay networks carrying `labels`, with whether each is encrypted. */
export async function listOverlays(
  engine: Engine,
  labels: Labels,
): Promise<{ id: string; name: string; internal: boolean; encrypted: boolean; labels: Labels }[]> {
  const list = await engine.request<
    {
      Id: string;
      Name: string;
      Internal: boolean;
      Labels?: Labels;
      Options?: Labels;
      Driver: string;
    }[]
  >('list networks', undefined, {
    method: 'GET',
    path: `/networks${query({ filters: labelFilter(labels, [], { driver: ['overlay'] }) })}`,
  });
  return list.map((n) => ({
    id: n.Id,
    name: n.Name,
    internal: n.Internal,
    encrypted: n.Options?.encrypted !== undefined,
    labels: n.Labels ?? {},
  }));
}

/** The data of config `id` (configs, unlike secrets, can be read back). */
export async function readConfig(engine: Engine, id: string): Promise<Buffer> {
  const config = await engine.request<{ Spec: { Data?: string } }>('inspect config', id, {
    method: 'GET',
    path: `/configs/${encodeURIComponent(id)}`,
  });
  return Buffer.from(config.Spec.Data ?? '', 'base64');
}
