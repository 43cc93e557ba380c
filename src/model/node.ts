/**
 * Where the Node.js of a plain server comes from (issue 21: `hosts.NAME.node`), and the names of
 * Node's official release files, which both the config rules and the targets read.
 */

/** The sources `hosts.NAME.node.source` may name. */
export const NODE_SOURCES = ['nodejs.org', 'npm', 'file'] as const;

/** nodejs.org's release folder; a mirror has the same layout (index.json, vX.Y.Z/…). */
export const NODEJS_ORG_DIST = 'https://nodejs.org/dist';

/** Where Node comes from. */
export type NodeSource =
  /** Official tarballs from `mirror` (nodejs.org/dist or a copy), checked against SHASUMS256.txt. */
  | { kind: 'nodejs.org'; mirror: string }
  /** The npm registry's `node-linux-ARCH` package (the official binary), checked against its integrity. */
  | { kind: 'npm' }
  /** An official tarball on the operator's machine (absolute path). */
  | { kind: 'file'; path: string };

/** `hosts.NAME.node` of a plain server, normalised. */
export interface NodeSettings {
  source: NodeSource;
  /** A major (`24`) or an exact version (`24.11.1`); undefined: the apps' `engines.node`. */
  version: string | undefined;
}

/** The settings of a plain server whose entry has no `node:`. */
export const DEFAULT_NODE_SETTINGS: NodeSettings = {
  source: { kind: 'nodejs.org', mirror: NODEJS_ORG_DIST },
  version: undefined,
};

/** An official tarball's name, parsed: `node-v24.11.1-linux-x64.tar.xz`. */
export interface NodeTarballName {
  version: string;
  /** Node's name for the architecture: x64, arm64, armv7l, ppc64le, s390x. */
  arch: string;
  compression: 'xz' | 'gz';
}

const TARBALL = /^node-v(\d+\.\d+\.\d+)-linux-(x64|arm64|armv7l|ppc64le|s390x)\.tar\.(xz|gz)$/;

/** Parse an official Linux tarball's file name; undefined when it is not one. */
export function parseNodeTarballName(name: string): NodeTarballName | undefined {
  const match = TARBALL.exec(name);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { version: match[1], arch: match[2], compression: match[3] as 'xz' | 'gz' };
}

/** The official tarball's file name for `version` on `arch`. */
export function nodeTarballName({ version, arch, compression }: NodeTarballName): string {
  return `node-v${version}-linux-${arch}.tar.${compression}`;
}

/** Whether `version` (exact) is what `wanted` (a major or an exact version) asks for. */
export function versionMatches(version: string, wanted: string): boolean {
  return wanted.includes('.') ? version === wanted : version.split('.')[0] === wanted;
}
