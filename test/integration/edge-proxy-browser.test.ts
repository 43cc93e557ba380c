/**
 * The Notes site in a real browser over HTTPS behind the edge proxy (issue 19): the repository's
 * topology with notes on `hosts: [notes.test]`, `tls: auto`, its certificate issued by a real
 * ACME server (Pebble) through a real HTTP-01 validation; Chromium trusts Pebble's root, logs in,
 * and a second browser sees a new note live; then notes is redeployed blue/green and the second
 * browser's open page gets the next note live again without a reload — its EventSource
 * reconnected by itself to the new release once the old one stopped.
 *
 * How Chromium trusts Pebble: Pebble's issuing root goes into an NSS database
 * ($HOME/.pki/nssdb, made with Debian's `certutil` from libnss3-tools) in a HOME of this run's
 * own, with trust `C,,` (a CA for TLS servers). On Linux that is where Chromium takes locally
 * added roots from, so it builds and verifies the chain leaf → Pebble's intermediate → that root
 * and checks the name, as for any site. Not `--ignore-certificate-errors-spki-list` (nor
 * Playwright's ignoreHTTPSErrors): a listed SPKI makes Chromium *ignore* certificate errors for
 * chains that contain it, names included, so it would not show that the chain verifies. A
 * browser without that database must refuse the site (ERR_CERT_AUTHORITY_INVALID): checked, so
 * the trust is known to come from the root and from nothing else.
 *
 * Order: Pebble validates by connecting to notes.test, which Docker's DNS resolves to the proxy
 * on this file's test network (`--alias notes.test`) — a proxy that must exist first. So the
 * first `up` serves notes on plain HTTP without hostnames (as the repository's topology does,
 * the ACME settings already in place), the proxy joins the network, and the second `up` gives
 * notes its hostname and `tls: auto`. NOTES_PUBLIC_URL is https://notes.test:<https port> from the
 * start: the app's links and its `Secure` session cookie follow it.
 *
 * Caddy redirects plain HTTP to https://notes.test/ on port 443 (its own port in the container):
 * here the proxy publishes other host ports, so the redirect is checked as a response, not
 * followed by the browser.
 *
 * The proxy is one per engine (notesctl-edge-proxy): this file holds the edge-proxy lock for its
 * whole run, refuses to start beside a proxy it did not make, and removes the proxy and its
 * volumes at the end. Run it under `flock /tmp/docker-heavy.lock`.
 */
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Response,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_CONTAINER } from '../../src/proxy/names.ts';
import { docker } from '../bed/docker-cli.ts';
import { ensureHttpsImages } from '../bed/images.ts';
import { holdEdgeProxy, inspectEdgeProxy, removeEdgeProxy } from '../support/edge-proxy-bed.ts';
import { httpGet, httpsGet } from '../support/https-probe.ts';
import { startPebble, type Pebble } from '../support/pebble.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';
import { createStack, type Stack } from '../support/stack.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const run = promisify(execFile);
const HOST = 'notes.test';
const id = randomBytes(3).toString('hex');
const network = `notesctl-test-browser-${id}`;
const pebbleName = `notesctl-test-browser-pebble-${id}`;
const password = 'correct horse battery staple';
/** How long a change may take to show on the other browser's page. */
const LIVE_TIMEOUT = 10_000;
/** How long after `up` returns the reader's stream may take to be open again. */
const RECONNECT_TIMEOUT = 15_000;
/** The repository's line for notes, and the same with the hostname and HTTPS. */
const NOTES_HTTP = '    http: { port: 3000, path: /health }\n';
const NOTES_HTTPS = `    http: { hosts: [${HOST}], port: 3000, path: /health, tls: auto }\n`;
const PROXY_PORTS = /^ {2}ports: \{ http: .*$/m;

const tempDir = tempDirs();
let stack: Stack;
let pebble: Pebble;
let pebbleRoot = '';
let siteUrl = '';
/** Whether the proxy is this file's to remove (there was none when it started). */
let claimed = false;
let letGo: (() => Promise<void>) | undefined;
let browser: Browser;
let author: BrowserContext;
let reader: BrowserContext;
/** The reader's page: opened once, never reloaded. */
let home: Page;
const pageErrors: string[] = [];
/** Main-frame navigations of the reader's page, after the first load. */
let readerNavigations = 0;

/** `notesctl ARGS` in the stack's folder, with the public URL of the HTTPS site. */
function cli(args: string[], input?: string): Promise<CliResult> {
  return runCli(args, {
    cwd: stack.dir,
    env: { ...stack.env, NOTES_PUBLIC_URL: siteUrl },
    input,
    timeoutMs: 240_000,
  });
}

function expectOk(result: CliResult, what: string): void {
  expect(result.code, `${what} exited ${String(result.code)}:\n${result.stderr}`).toBe(0);
}

/** Rewrite the copied topology. */
async function editTopology(edit: (text: string) => string): Promise<void> {
  const file = join(stack.dir, 'notesctl.config.yaml');
  const before = await readFile(file, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error('the topology edit changed nothing: its anchor moved');
  await writeFile(file, after);
}

/** The project's notes containers (all states): one, once a deploy has finished. */
async function notesContainers(): Promise<string[]> {
  const list = await stack.docker.listContainers({
    all: true,
    filters: JSON.stringify({
      label: [`io.notesctl.project=${stack.project}`, 'io.notesctl.service=notes'],
    }),
  });
  return list.map((c) => c.Id);
}

/** A HOME whose NSS database trusts `rootPem` for TLS servers (none: an empty HOME). */
async function browserHome(rootPem: string | undefined): Promise<string> {
  const dir = await tempDir('notesctl-browser-home-');
  if (rootPem === undefined) return dir;
  const db = join(dir, '.pki', 'nssdb');
  await mkdir(db, { recursive: true });
  await writeFile(join(dir, 'pebble-root.pem'), rootPem);
  const certutil = async (args: string[]) => {
    const result = await runTool('certutil', ['-d', `sql:${db}`, ...args]);
    if (result.code !== 0) {
      throw new Error(
        `certutil ${args.join(' ')}: ${result.output} (certutil is in libnss3-tools: scripts/setup installs it)`,
      );
    }
  };
  await certutil(['-N', '--empty-password']);
  await certutil([
    '-A',
    '-n',
    'Pebble issuing root',
    '-t',
    'C,,',
    '-i',
    join(dir, 'pebble-root.pem'),
  ]);
  return dir;
}

/** Debian's Chromium with `home` as HOME, notes.test resolving to loopback. */
function launchChromium(home: string): Promise<Browser> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    env: { ...env, HOME: home },
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
    ],
  });
}

/** Collect a page's script errors (a broken live.js must not pass unseen). */
function watchErrors(page: Page): void {
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
}

/**
 * Open `path` in `page`, once more if Chromium reports ERR_NETWORK_CHANGED: Chromium aborts the
 * requests in flight when an address of this machine changes, and Docker adds and removes veth
 * interfaces here when containers start and stop — the browser runs on the deploy target itself,
 * which a user's never does. Any other failure fails.
 */
async function open(page: Page, path: string): Promise<Response | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.goto(path, { timeout: 15_000 });
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('ERR_NETWORK_CHANGED')) throw error;
      console.log(`${path}: ERR_NETWORK_CHANGED (attempt ${attempt}), trying again`);
    }
  }
}

/** Log in through the form in `page` (starting from a page that needs a login). */
async function logIn(page: Page): Promise<void> {
  const form = await open(page, '/notes/add');
  expect(page.url()).toContain('/users/login?returnTo=%2Fnotes%2Fadd');
  expect(form?.status(), `the login page answered ${String(form?.status())}`).toBe(200);
  await page.fill('#username', 'ann');
  await page.fill('#password', password);
  await page.click('form.login-form button[type=submit]');
  await page.waitForURL('**/notes/add', { timeout: 15_000 });
}

/** Add a note through the form in `page`; ends on the note's own page. */
async function addNote(page: Page, key: string, title: string): Promise<void> {
  const form = await open(page, '/notes/add');
  expect(form?.status(), `the new-note form answered ${String(form?.status())}`).toBe(200);
  await page.fill('#notekey', key);
  await page.fill('#title', title);
  await page.fill('#body', `written by the author's browser (${key})`);
  await page.click('form.note-form button[type=submit]');
  await page.waitForURL(`**/notes/view?key=${key}`, { timeout: 15_000 });
}

/**
 * Runs in the reader's pages before their own scripts: records every change of a live element's
 * `data-live-state` (live.js sets `open` on the stream's open, `reconnecting` on its errors) with
 * its time, in `window.liveStates`.
 */
const RECORD_LIVE_STATES = `
  window.liveStates = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const state = r.target.getAttribute('data-live-state');
      if (state !== null) window.liveStates.push({ state, at: Date.now() });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-live-state'] });
`;

/** The reader's live-stream states so far ({state, at}), recorded in the page itself. */
function liveStates(): Promise<{ state: string; at: number }[]> {
  return home.evaluate<{ state: string; at: number }[]>('window.liveStates');
}

beforeAll(async () => {
  await ensureHttpsImages();
  letGo = await holdEdgeProxy();
  const existing = await inspectEdgeProxy();
  if (existing) {
    throw new Error(
      `${PROXY_CONTAINER} exists (on networks ${Object.keys(existing.NetworkSettings.Networks).join(', ')}): ` +
        'another test or deploy uses the engine’s edge proxy. Run the proxy tests one at a time ' +
        '(flock /tmp/docker-heavy.lock), or remove it if it is left over: docker rm -f -v ' +
        PROXY_CONTAINER,
    );
  }
  // Volumes a removed proxy left hold certificates from an earlier Pebble: they go.
  await removeEdgeProxy();
  claimed = true;

  stack = await createStack('brw', { proxy: true });
  siteUrl = `https://${HOST}:${String(stack.httpsPort)}`;
  await docker(['network', 'create', '--internal', network]);
  pebble = await startPebble(pebbleName, network);
  await writeFile(join(stack.dir, 'pebble-api-ca.pem'), await pebble.apiCa());
  pebbleRoot = await pebble.issuingRoot();
  await editTopology((text) =>
    text.replace(
      PROXY_PORTS,
      (ports) =>
        `${ports}\n  acme: { email: ops@notesctl.test, ca: 'https://pebble:14000/dir', ca_root: ./pebble-api-ca.pem }`,
    ),
  );
  // First up: the whole stack, notes on plain HTTP without a hostname; the proxy now exists.
  expectOk(await cli(['up']), 'the first up');
  // Stands in for DNS pointing notes.test at the host: Pebble's challenges reach the proxy.
  await docker(['network', 'connect', '--alias', HOST, network, PROXY_CONTAINER]);
  await editTopology((text) => text.replace(NOTES_HTTP, NOTES_HTTPS));
  const https = await cli(['up']);
  expectOk(https, 'the up with tls: auto');
  expect(https.stderr).toMatch(/certificates for notes\.test/);
  expectOk(
    await cli(
      ['users', 'add', '--username', 'ann', '--password-stdin', '--given-name', 'Ann'],
      password,
    ),
    'users add',
  );
  browser = await launchChromium(await browserHome(pebbleRoot));
}, 600_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close().catch(() => undefined);
  await (stack as Stack | undefined)?.destroy();
  if (claimed) await removeEdgeProxy();
  await docker(['rm', '-f', pebbleName], { reject: false });
  await docker(['network', 'rm', network], { reject: false });
  await letGo?.();
}, 180_000);

describe('the Notes site over HTTPS in a real browser', () => {
  it("serves notes.test with Pebble's certificate, which Chromium verifies against Pebble's root alone", async () => {
    // From Node first, trusting that root only: the chain is Pebble's, for notes.test.
    const answer = await httpsGet(stack.httpsPort ?? 0, HOST, [pebbleRoot], '/health');
    expect(answer.status).toBe(200);
    expect(answer.chain[0]?.subject).toBe(HOST);
    expect(answer.chain.map((c) => c.issuer)).toContain(commonName(pebbleRoot));

    const context = await browser.newContext({ baseURL: siteUrl });
    try {
      const page = await context.newPage();
      const response = await page.goto('/');
      expect(response?.status()).toBe(200);
      const security = await response?.securityDetails();
      expect(security?.subjectName).toBe(HOST);
      expect(security?.issuer).toMatch(/^Pebble Intermediate CA/);
      // HSTS comes twice today, the same value from the proxy and from the app (its public URL
      // is https); a browser keeps the first (RFC 6797 §8.1).
      const hsts = (await response?.allHeaders())?.['strict-transport-security'] ?? '';
      expect(hsts.split(/,\s*/).filter((v) => v !== 'max-age=31536000')).toEqual([]);
      expect(hsts).toMatch(/^max-age=31536000/);
    } finally {
      await context.close();
    }

    // The same Chromium without the root in its NSS database refuses the site.
    const untrusting = await launchChromium(await browserHome(undefined));
    try {
      const page = await untrusting.newPage();
      await expect(page.goto(`${siteUrl}/`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await untrusting.close();
    }
  });

  it('redirects plain HTTP for notes.test to HTTPS', async () => {
    const plain = await httpGet(stack.port, HOST, '/notes/view?key=x');
    expect([301, 308]).toContain(plain.status);
    expect(plain.headers.location).toBe(`https://${HOST}/notes/view?key=x`);
  });

  it('logs in over HTTPS, with a Secure session cookie, and a second browser sees the new note live', async () => {
    author = await browser.newContext({ baseURL: siteUrl });
    reader = await browser.newContext({ baseURL: siteUrl });
    for (const context of [author, reader]) context.setDefaultTimeout(15_000);
    // Every change of the reader's live state, with the time, kept in the page.
    await reader.addInitScript({ content: RECORD_LIVE_STATES });
    const a = await author.newPage();
    home = await reader.newPage();
    watchErrors(a);
    watchErrors(home);

    await home.goto('/');
    await home.locator('#note-list[data-live-state="open"]').waitFor({ timeout: LIVE_TIMEOUT });
    home.on('framenavigated', (frame) => {
      if (frame === home.mainFrame()) readerNavigations++;
    });

    await logIn(a);
    expect(await a.locator('.who').textContent()).toContain('Ann');
    const session = (await author.cookies()).find((c) => c.name === 'notes.sid');
    expect(session, 'the session cookie').toBeDefined();
    expect(session?.secure).toBe(true);
    expect(session?.domain).toBe(HOST);

    await addNote(a, 'before-switch', 'Written before the switch');
    const link = home.locator('#note-list a', { hasText: 'Written before the switch' });
    await link.waitFor({ timeout: LIVE_TIMEOUT });
    expect(await link.getAttribute('href')).toBe('/notes/view?key=before-switch');
    expect(readerNavigations).toBe(0);
  });

  it('after a blue/green redeploy of notes, the open page gets the next note live with no reload', async () => {
    const a = author.pages()[0];
    if (!a) throw new Error('the author page of the test before is missing');
    const [oldNotes] = await notesContainers();
    const statesBefore = (await liveStates()).length;
    await home.evaluate("window.marker = 'the same document'");
    // Why each of the reader's streams ended, when the browser counts it as failed.
    const streamFailures: { error: string; at: number }[] = [];
    home.on('requestfailed', (request) => {
      if (new URL(request.url()).pathname === '/notes/events')
        streamFailures.push({ error: request.failure()?.errorText ?? '?', at: Date.now() });
    });

    const file = join(stack.dir, 'apps', 'notes', 'src', 'server.ts');
    await writeFile(file, `${await readFile(file, 'utf8')}\n// a one-line change (${id})\n`);
    const redeploy = await cli(['up']);
    expectOk(redeploy, 'the redeploy of notes');
    const upDone = Date.now();
    console.log(
      `redeploy of notes: ${(redeploy.ms / 1000).toFixed(1)} s\n` +
        redeploy.stderr
          .split('\n')
          .filter((l) => /drain|switch|stop container|healthy|build image/.test(l))
          .join('\n'),
    );

    // A new release, and the old one gone: any stream the reader has now is the new one's.
    const after = await notesContainers();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(oldNotes);

    // The reader's stream to the old release ended when it stopped; EventSource comes back by
    // itself (live.js sets no timer of its own: the stream's `retry: 2000` and the browser).
    const reconnected = async (): Promise<boolean> => {
      const since = (await liveStates()).slice(statesBefore).map((s) => s.state);
      return since[0] === 'reconnecting' && since.at(-1) === 'open';
    };
    await expect
      .poll(reconnected, {
        timeout: RECONNECT_TIMEOUT,
        message: `the reader's live stream was not lost and opened again within ${RECONNECT_TIMEOUT} ms of the up`,
      })
      .toBe(true);

    await addNote(a, 'after-switch', 'Written after the switch');
    const link = home.locator('#note-list a', { hasText: 'Written after the switch' });
    try {
      await link.waitFor({ timeout: LIVE_TIMEOUT });
    } catch (error) {
      const states = (await liveStates()).slice(statesBefore);
      throw new Error(
        `the reader's open page did not get the note written after the switch within ${LIVE_TIMEOUT} ms ` +
          `(its live states since the redeploy: ${JSON.stringify(states)})`,
        { cause: error },
      );
    }

    // Same document, never navigated: the EventSource reconnected by itself.
    expect(await home.evaluate('window.marker')).toBe('the same document');
    expect(readerNavigations).toBe(0);
    const states = (await liveStates()).slice(statesBefore);
    // The old release's stream ended as it stopped (an end, not a failed request), a new one
    // opened. A round more may show, as a failed request with net::ERR_NETWORK_CHANGED: Chromium
    // drops its connections when this machine's interfaces change (Docker's veth as the new
    // release starts — seen 5 s before up returned), which a user's browser elsewhere never
    // sees. Any other failure of a stream (a reset, a protocol error) is a real one.
    expect(states.every((s) => s.state === 'reconnecting' || s.state === 'open')).toBe(true);
    expect(streamFailures.filter((f) => f.error !== 'net::ERR_NETWORK_CHANGED')).toEqual([]);
    console.log(
      `reader's live states, seconds from the end of up: ${states
        .map((s) => `${s.state} ${((s.at - upDone) / 1000).toFixed(1)}`)
        .join(' → ')}; failed stream requests: ${
        streamFailures.map((f) => `${f.error} ${((f.at - upDone) / 1000).toFixed(1)}`).join(', ') ||
        'none'
      }`,
    );
    expect(pageErrors).toEqual([]);
  });
});

/** Run a program; its exit code and its output (stdout and stderr together). */
async function runTool(file: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    const output = `${failed.stdout ?? ''}${failed.stderr ?? ''}` || String(error);
    return { code: typeof failed.code === 'number' ? failed.code : 1, output };
  }
}

/** The common name of a PEM certificate. */
function commonName(pem: string): string {
  return /CN=(.*)/.exec(new X509Certificate(pem).subject)?.[1] ?? '';
}
