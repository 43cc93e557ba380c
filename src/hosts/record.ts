/**
 * The shape of a host record, checked with zod when a record is written, and when one is read
 * that this build has not seen before (store.ts): loaded only then, so commands that reach a
 * recorded host do not load the schema library.
 */
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { RESOURCE_NAME as HOST_NAME } from '../model/names.ts';
import { RUNTIMES } from '../model/topology.ts';

const digitalOceanSchema = z.object({
  dropletId: z.number().int(),
  firewallId: z.string().optional(),
  keyId: z.number().int().optional(),
  keyFingerprint: z.string().optional(),
  region: z.string(),
  size: z.string(),
  image: z.string(),
  /** The generated private key (0600, under the state dir). */
  keyPath: z.string(),
});

export const recordSchema = z.object({
  version: z.literal(1),
  name: z.string().regex(HOST_NAME),
  driver: z.enum(['ssh', 'digitalocean']),
  user: z.string().min(1),
  hostname: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  identity: z.string().optional(),
  socket: z.string().startsWith('/'),
  createdAt: z.string(),
  /**
   * The runtime the host was provisioned for (`provision ssh --runtime`, issue 21); absent in
   * records written before it existed, which were all provisioned with Docker.
   */
  runtime: z.enum(RUNTIMES).optional(),
  /** What provisioning found: OS and engine version (none on a plain server). */
  os: z.string().optional(),
  dockerVersion: z.string().optional(),
  digitalocean: digitalOceanSchema.optional(),
});

/** One recorded host. */
export type HostRecord = z.infer<typeof recordSchema>;

/** DigitalOcean resources notesctl created for a host. */
export type DigitalOceanResources = z.infer<typeof digitalOceanSchema>;

/** Check a record's JSON; a damaged file is a clear error, not a crash. */
export function parseRecord(text: string, path: string): HostRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'Restore it from a backup, or remove it and provision the host again.',
    });
  }
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${path}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid host record'}`,
      { hint: 'Restore it from a backup, or remove it and provision the host again.' },
    );
  }
  return parsed.data;
}
