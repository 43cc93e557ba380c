/**
 * known_hosts files as OpenSSH reads them (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): one key per
 * line, `[marker] patterns keytype base64 [comment]`, patterns comma-separated with `*`, `?` and
 * `!negation`, `[host]:port` for ports other than 22, and hashed `|1|salt|hmac` entries
 * (HashKnownHosts). Pure: parsing and matching only; reading and writing files is elsewhere.
 */
import { createHash, createHmac } from 'node:crypto';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** File the line came from (for messages). */
  file: string;
  /** 1-based line number. */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written (comma-separated patterns, or one hashed entry). */
  hosts: string;
  keyType: string;
  /** The decoded key blob. */
  key: Buffer;
}

/** Parse a known_hosts file; lines that are blank, comments or malformed are skipped, as ssh does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift();
      if (name !== '@revoked' && name !== '@cert-authority') return;
      marker = name === '@revoked' ? 'revoked' : 'cert-authority';
    }
    if (fields.length < 3) return;
    const [hosts = '', keyType = '', data = ''] = fields;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return;
    entries.push({
      file,
      line: index + 1,
      marker,
      hosts,
      keyType,
      key: Buffer.from(data, 'base64'),
    });
  });
  return entries;
}

/** The name ssh looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function lookupName(hostname: string, port: number): string {
  const host = hostname.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** True when the entry's host field names `hostname:port`. */
export function entryMatches(entry: KnownHostEntry, hostname: string, port: number): boolean {
  const name = lookupName(hostname, port);
  if (entry.hosts.startsWith('|1|')) return hashedMatches(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (!globMatches(body.toLowerCase(), name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. */
function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (salt === undefined || hash === undefined) return false;
  const expected = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return expected === hash;
}

/** ssh's match_pattern: `*` any run, `?` any one character, everything else literal. */
function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(text);
}

/** A hashed host field for `name`, as `ssh-keygen -H` writes it (salt given for tests). */
export function hashHostName(name: string, salt: Buffer): string {
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hash}`;
}

/** The key type named inside a key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** One known_hosts line recording `key` for `hostname:port`. */
export function formatKnownHostsLine(hostname: string, port: number, blob: Buffer): string {
  return `${lookupName(hostname, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
}

/** What the known keys say about the key a host presented. */
export type HostKeyVerdict =
  | { kind: 'known'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry }
  | { kind: 'new' }
  /** Keys are recorded for the host, none of them is this one: refuse (possible attack). */
  | { kind: 'changed'; recorded: KnownHostEntry[] };

/** Judge a presented key against every known entry (OpenSSH's check_host_key, simplified). */
export function judgeHostKey(
  entries: readonly KnownHostEntry[],
  hostname: string,
  port: number,
  presented: Buffer,
): HostKeyVerdict {
  // A revoked key is refused whichever host it claims to be.
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(presented));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const forHost = entries.filter((e) => e.marker === undefined && entryMatches(e, hostname, port));
  const same = forHost.find((e) => e.key.equals(presented));
  if (same) return { kind: 'known', entry: same };
  // Stricter than ssh's accept-new: a key of another type for a host with recorded keys is a
  // change too (notesctl asks the server for the recorded types first, see knownKeyTypes).
  return forHost.length > 0 ? { kind: 'changed', recorded: forHost } : { kind: 'new' };
}

/** Key types recorded for the host, so the handshake asks the server for one of those first. */
export function knownKeyTypes(
  entries: readonly KnownHostEntry[],
  hostname: string,
  port: number,
): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && entryMatches(e, hostname, port))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** The lines of a known_hosts text that do not name `hostname:port` (to forget a host). */
export function withoutHost(text: string, hostname: string, port: number, file: string): string {
  const drop = new Set(
    parseKnownHosts(text, file)
      .filter((e) => e.marker === undefined && entryMatches(e, hostname, port))
      .map((e) => e.line),
  );
  return text
    .split('\n')
    .filter((_, index) => !drop.has(index + 1))
    .join('\n');
}
