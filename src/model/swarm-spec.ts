/**
 * A Swarm service's spec as the Engine API takes and returns it (issue 20), with the fields
 * notesctl sets. It keeps Docker's field names: the planner builds it, the cluster stores it, and
 * the two are compared like with like. Durations are nanoseconds.
 */

/** Labels, as Docker keeps them. */
type Labels = Record<string, string>;

/** A Swarm service spec as the Engine API takes it (the fields notesctl sets). */
export interface ServiceSpec {
  Name: string;
  Labels: Labels;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Labels: Labels;
      Command?: string[] | undefined;
      Args?: string[] | undefined;
      Env: string[];
      User?: string | undefined;
      Healthcheck?:
        | {
            Test: string[];
            Interval: number;
            Timeout: number;
            Retries: number;
            StartPeriod: number;
          }
        | undefined;
      StopGracePeriod: number;
      Secrets: {
        File: { Name: string; UID: string; GID: string; Mode: number };
        SecretID: string;
        SecretName: string;
      }[];
      Configs?: {
        File: { Name: string; UID: string; GID: string; Mode: number };
        ConfigID: string;
        ConfigName: string;
      }[];
      Mounts: {
        Type: 'volume';
        Source: string;
        Target: string;
        ReadOnly: boolean;
        VolumeOptions: { Labels: Labels };
      }[];
    };
    RestartPolicy: { Condition: 'none' | 'on-failure' | 'any'; MaxAttempts: number; Delay: number };
    Placement: { Constraints: string[] };
    Networks: { Target: string; Aliases: string[] }[];
  };
  Mode: { Replicated: { Replicas: number } } | { Global: Record<string, never> };
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  EndpointSpec: {
    Mode: 'dnsrr' | 'vip';
    Ports: {
      Protocol: 'tcp' | 'udp';
      TargetPort: number;
      PublishedPort: number;
      PublishMode: 'host' | 'ingress';
    }[];
  };
}

/** How Swarm rolls a service's tasks over to a new spec (or back). */
export interface UpdateConfig {
  Parallelism: number;
  Delay: number;
  FailureAction: 'pause' | 'continue' | 'rollback';
  Monitor: number;
  MaxFailureRatio: number;
  Order: 'stop-first' | 'start-first';
}
