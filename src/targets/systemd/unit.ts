/**
 * The unit and env file of a `build:` service on a plain server (issue 21), as text: what
 * `notesctl up` writes and unit tests compare. Hardening per the issue: a dynamic user,
 * Restart=on-failure, NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp,
 * PrivateDevices, RestrictAddressFamilies, writable paths only where a volume is mounted; not
 * MemoryDenyWriteExecute (V8's JIT needs pages both writable and executable). Secrets arrive as
 * credentials (LoadCredential=, read by systemd as root at start, visible to the service only
 * under $CREDENTIALS_DIRECTORY); the unit and the env file hold their paths, never their values.
 */
import { APP_DIR, credentialsDir, envFile, nodeDir, serviceDir, userName } from './names.ts';

/** A service's unit as it should be. */
export interface UnitSpec {
  project: string;
  service: string;
  /** Node.js version the service runs on (`24.12.0`). */
  node: string;
  release: string;
  /** The command, `node` resolved to the installed Node by PATH. */
  command: string[];
  /** Environment variables holding a credential's path: VAR → credential name. */
  credentialVars: Record<string, string>;
  /** Units this one starts after (dependencies on this host). */
  after: string[];
  /** Named volumes: host folder (under /var/lib/notesctl) → path in the service. */
  volumes: { state: string; target: string; readOnly: boolean }[];
  stopTimeoutS: number;
  /** Marker of the configuration, compared by the next `up`. */
  hash: string;
}

/** Quote one word of ExecStart= (systemd's own quoting: double quotes, backslash escapes). */
function unitWord(word: string): string {
  if (/^[A-Za-z0-9_./:=@+,-]+$/.test(word)) return word.replace(/%/g, '%%');
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** The unit file's text. */
export function renderUnit(spec: UnitSpec): string {
  const { project, service } = spec;
  const exec = spec.command.map(unitWord).join(' ');
  const lines = [
    `# Written by notesctl for project ${project}, service ${service}: \`notesctl up\` rewrites it.`,
    '[Unit]',
    `Description=notesctl ${project}/${service}`,
    `After=network-online.target${spec.after.map((u) => ` ${u}`).join('')}`,
    'Wants=network-online.target',
    // A service that starts before what it needs (at boot) fails and is started again.
    'StartLimitIntervalSec=0',
    `X-NotesctlProject=${project}`,
    `X-NotesctlService=${service}`,
    `X-NotesctlRelease=${spec.release}`,
    `X-NotesctlHash=${spec.hash}`,
    '',
    '[Service]',
    'Type=exec',
    'DynamicUser=yes',
    `User=${userName(project, service)}`,
    `ExecStart=${exec}`,
    `WorkingDirectory=${APP_DIR}`,
    // Read-only, and no ReadWritePaths= into it: releases share files by hard links
    // (shipReleaseScript), so a write here would change every release holding the file.
    `BindReadOnlyPaths=${serviceDir(project, service)}/current:${APP_DIR}`,
    `Environment=PATH=${nodeDir(spec.node)}/bin:/usr/local/bin:/usr/bin:/bin`,
    // A dynamic user has no home folder unless the host has nss-systemd; Node asks for one.
    'Environment=HOME=/tmp',
    `EnvironmentFile=${envFile(project, service)}`,
    ...Object.entries(spec.credentialVars).map(([v, name]) => `Environment=${v}=%d/${name}`),
    ...[...new Set(Object.values(spec.credentialVars))].map(
      (name) => `LoadCredential=${name}:${credentialsDir(project, service)}/${name}`,
    ),
    ...spec.volumes.flatMap((v) => [
      `StateDirectory=${v.state}`,
      `${v.readOnly ? 'BindReadOnlyPaths' : 'BindPaths'}=%S/${v.state}:${v.target}`,
    ]),
    'Restart=on-failure',
    'RestartSec=1',
    `TimeoutStopSec=${spec.stopTimeoutS}`,
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictSUIDSGID=yes',
    'RestrictNamespaces=yes',
    'LockPersonality=yes',
    'CapabilityBoundingSet=',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}

/** Quote a value for an EnvironmentFile= line. */
function envValue(value: string): string {
  if (/^[A-Za-z0-9_./:@+,=-]*$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$').replace(/\n/g, '\\n')}"`;
}

/** The env file's text: the topology's env (no secrets: those are credentials). */
export function renderEnvFile(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${envValue(env[key] ?? '')}\n`)
    .join('');
}
