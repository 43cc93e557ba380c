/** Every rule, in the order their problems are most useful to read (all run; all are reported). */
import { checkBuildContexts } from './build.ts';
import { checkClusters } from './clusters.ts';
import { checkCommands } from './commands.ts';
import type { Rule, RuleContext } from './context.ts';
import { rejectDependencyCycles } from './cycles.ts';
import { checkHealthchecks, checkHealthyDependencies } from './healthchecks.ts';
import { checkFirewalls, checkHostReferences, checkSshTargets, rejectLocalHost } from './hosts.ts';
import {
  checkHostnameOwners,
  checkHttpPorts,
  checkReplicas,
  checkTls,
  rejectPortsWithHttp,
} from './http.ts';
import { checkMountConflicts } from './mounts.ts';
import { checkNodeSettings } from './node.ts';
import { rejectCrossHostLinks } from './placement.ts';
import { checkExposedPorts, checkPublishedPorts } from './ports.ts';
import { checkAcme, checkProxyPorts, rejectEdgeNetwork } from './proxy.ts';
import {
  checkDependencyReferences,
  checkNetworkReferences,
  checkSecretReferences,
  checkVolumeReferences,
} from './references.ts';
import { requireImageOrBuild, requireServices } from './required.ts';
import { checkSecretFiles, checkSecretSources } from './secrets.ts';

/** The rules run on every topology after the schema. */
export const RULES: readonly Rule[] = [
  requireServices,
  requireImageOrBuild,
  rejectLocalHost,
  checkSshTargets,
  checkFirewalls,
  checkNodeSettings,
  checkHostReferences,
  checkClusters,
  checkNetworkReferences,
  checkVolumeReferences,
  checkSecretReferences,
  checkDependencyReferences,
  rejectDependencyCycles,
  checkPublishedPorts,
  checkExposedPorts,
  rejectCrossHostLinks,
  checkBuildContexts,
  checkSecretSources,
  checkSecretFiles,
  checkMountConflicts,
  checkHealthchecks,
  checkHealthyDependencies,
  checkCommands,
  rejectEdgeNetwork,
  checkHttpPorts,
  rejectPortsWithHttp,
  checkHostnameOwners,
  checkTls,
  checkReplicas,
  checkProxyPorts,
  checkAcme,
];

/** Run every rule; each reports into `context.problems`. */
export function runRules(context: RuleContext): void {
  for (const rule of RULES) rule(context);
}

export type { Declared, RuleContext } from './context.ts';
