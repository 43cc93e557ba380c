/**
 * The cloud-init user data of a new Droplet, rendered from templates/cloud-init.yaml. The
 * template holds all of it; this file only fills `{{placeholders}}` (no logic in TS strings).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Where the template lives (src/… and dist/… are both two levels under the package root). */
export const CLOUD_INIT_TEMPLATE = fileURLToPath(
  new URL('../../../templates/cloud-init.yaml', import.meta.url),
);

/** Values the template's placeholders take. */
export interface CloudInitValues {
  /** The host's name in the topology. */
  host_name: string;
}

/** Read the template from disk. */
export function readCloudInitTemplate(path = CLOUD_INIT_TEMPLATE): Promise<string> {
  return readFile(path, 'utf8');
}

/**
 * Replace every `{{key}}` with its value. A placeholder without a value is a bug in the
 * template, so it throws rather than sending a half-rendered file to a server.
 */
export function renderCloudInit(template: string, values: CloudInitValues): string {
  const table: Record<string, string> = { ...values };
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = table[key];
    if (value === undefined) throw new Error(`cloud-init template: no value for {{${key}}}`);
    return value;
  });
}
