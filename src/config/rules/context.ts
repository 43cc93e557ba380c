/** What every rule receives, and small helpers shared by several rules. */
import { isAbsolute, relative, resolve } from 'node:path';
import { DEFAULT_RUNTIME, LOCAL_HOST, type Runtime } from '../../model/topology.ts';
import type { Problems } from '../problems.ts';
import type { RawService, RawTopology } from '../schema.ts';
import { didYouMean } from '../suggest.ts';

/** Names declared in each section, including entries whose own content is invalid. */
export interface Declared {
  services: string[];
  networks: string[];
  volumes: string[];
  secrets: string[];
  hosts: string[];
  clusters: string[];
}

/** Input of a rule: the schema-valid parts of the file and where to report. */
export interface RuleContext {
  raw: Partial<RawTopology>;
  declared: Declared;
  /** Absolute folder of the topology file; relative paths resolve against it. */
  directory: string;
  /** Home folder for `~` in paths. */
  home: string;
  /** The CLI's --host: replaces every service's placement. */
  overrideHost: string | undefined;
  /** Hosts recorded by `notesctl provision` (valid placements besides `hosts:`). */
  knownHosts: string[];
  /** The runtime each recorded host was provisioned for, when its record says (issue 21). */
  hostRuntimes: Record<string, Runtime>;
  problems: Problems;
}

/** A rule: checks one thing and reports every instance of it. */
export type Rule = (context: RuleContext) => void;

/** The schema-valid services, in file order. */
export function servicesOf(context: RuleContext): [string, RawService][] {
  return Object.entries(context.raw.services ?? {});
}

/** The host a service runs on after defaults and --host. */
export function hostOf(context: RuleContext, service: RawService): string {
  return context.overrideHost ?? service.host ?? context.raw.host ?? LOCAL_HOST;
}

/**
 * The runtime host `name` deploys with: its `runtime:` in the file, else the one its record in
 * the host store was provisioned for (`provision ssh --runtime`), else docker.
 */
export function runtimeOfHost(context: RuleContext, name: string): Runtime {
  return context.raw.hosts?.[name]?.runtime ?? context.hostRuntimes[name] ?? DEFAULT_RUNTIME;
}

/** Expand `~` and resolve against the topology folder. */
export function resolvePath(directory: string, home: string, path: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return resolve(home, path.slice(2));
  return resolve(directory, path);
}

/** Whether `inner` is `outer` or inside it. */
export function isInside(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Build settings with the Dockerfile default, and the keys (under `build`) that set them. */
export interface BuildSettings {
  context: string;
  dockerfile: string;
  target: string | undefined;
  contextKey: string[];
  dockerfileKey: string[];
}

/** The build settings of a service, with the Dockerfile default applied. */
export function buildOf(service: RawService): BuildSettings | undefined {
  const build = service.build;
  if (build === undefined) return undefined;
  if (typeof build === 'string') {
    return {
      context: build,
      dockerfile: 'Dockerfile',
      target: undefined,
      contextKey: [],
      dockerfileKey: [],
    };
  }
  return {
    context: build.context,
    dockerfile: build.dockerfile ?? 'Dockerfile',
    target: build.target,
    contextKey: ['context'],
    dockerfileKey: build.dockerfile === undefined ? ['context'] : ['dockerfile'],
  };
}

/** `unknown network "x" — did you mean "y"?`, or where to declare it when nothing is close. */
export function unknownName(
  kind: string,
  name: string,
  declared: string[],
  section: string,
): string {
  const hint = didYouMean(name, declared);
  if (hint !== '') return `unknown ${kind} "${name}"${hint}`;
  return `unknown ${kind} "${name}" — declare it under ${section}:`;
}
