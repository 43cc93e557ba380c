/**
 * The edge proxy's operations (issue 19), all through the engine's exec in the proxy container:
 * its admin endpoint is never published. Files go in with one upload per folder, then one
 * `caddy reload` switches every route at once; a reload Caddy refuses leaves the files as they
 * were. A new release is checked with the proxy's own HTTP client, and an old one is drained by
 * watching the proxy's count of requests in flight to it.
 */
import { Writable } from 'node:stream';
import type { Engine } from '../engine/engine.ts';
import { RuntimeError } from '../errors.ts';
import { sleep } from './sleep.ts';
import { PROXY_ADMIN, PROXY_DIR } from '../proxy/names.ts';
import type { ProxyFile } from '../plan/types.ts';

/**
 * Every wget in the proxy runs under `timeout`: GNU wget (the stand-in image) retries a stalled
 * connection 20 times, and BusyBox's -T is not to be relied on; both images have `timeout`.
 */
const BOUNDED = ['timeout', '5'];

/** A file's bytes for the proxy; secrets' values come from the operator's store. */
export type ProxySecrets = (secret: string) => Buffer;

/** What one exec printed and how it ended. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `cmd` in the proxy, collecting its output. */
export async function runInProxy(
  engine: Engine,
  proxyId: string,
  cmd: string[],
): Promise<ExecResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (chunks: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
  const code = await engine.exec(proxyId, { cmd, stdout: sink(out), stderr: sink(err) });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/**
 * Write `files` (staged beside the live ones, then moved into place) and, with `reload`, make the
 * proxy load them; if Caddy refuses the new configuration the previous files are put back.
 */
export async function writeProxyConfig(
  engine: Engine,
  proxyId: string,
  files: ProxyFile[],
  secrets: ProxySecrets,
  reload: boolean,
): Promise<void> {
  // A proxy that is not running (a new one) reads its files when it starts: they go straight in
  // place, and a removed file is left empty, which needs no command run in the container.
  if (!reload) {
    await putProxyFiles(engine, proxyId, PROXY_DIR, files, secrets);
    return;
  }
  const stage = `.next-${process.pid}`;
  await putProxyFiles(engine, proxyId, `${PROXY_DIR}/${stage}`, files, secrets);
  const result = await runInProxy(engine, proxyId, ['sh', '-c', swapScript(files, stage)]);
  if (result.code !== 0) {
    throw new RuntimeError(
      `the edge proxy refused the new configuration: ${lastLines(result.stderr || result.stdout)}`,
      {
        hint: 'Nothing was switched: the proxy serves as before. Check the http: settings of the topology, then run `notesctl up` again.',
      },
    );
  }
}

/** Upload `files` under `root`, one upload per folder (removed ones as empty files). */
async function putProxyFiles(
  engine: Engine,
  proxyId: string,
  root: string,
  files: ProxyFile[],
  secrets: ProxySecrets,
): Promise<void> {
  const byFolder = new Map<
    string,
    { name: string; content: Buffer; mode: number; uid: number; gid: number }[]
  >();
  for (const { path, source } of files) {
    const content =
      'text' in source
        ? Buffer.from(source.text)
        : 'secret' in source
          ? secrets(source.secret)
          : Buffer.alloc(0);
    const slash = path.lastIndexOf('/');
    const folder = slash < 0 ? root : `${root}/${path.slice(0, slash)}`;
    const list = byFolder.get(folder) ?? [];
    // A certificate's key is for the proxy (root) alone.
    const mode = 'secret' in source ? 0o600 : 0o644;
    list.push({ name: path.slice(slash + 1), content, mode, uid: 0, gid: 0 });
    byFolder.set(folder, list);
  }
  for (const [folder, list] of byFolder) await engine.putFiles(proxyId, folder, list);
}

/** Move the staged files into place (keeping the old ones), reload, and undo on failure. */
function swapScript(files: ProxyFile[], stage: string): string {
  const q = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;
  const paths = files.map((f) => f.path);
  const lines = [
    `cd ${q(PROXY_DIR)} || exit 1`,
    'mkdir -p sites files',
    ...paths.map((p) => `if [ -e ${q(p)} ]; then cp -p ${q(p)} ${q(`${p}.prev`)}; fi`),
    ...files.map((f) =>
      'remove' in f.source ? `rm -f ${q(f.path)}` : `mv -f ${q(`${stage}/${f.path}`)} ${q(f.path)}`,
    ),
    `rm -rf ${q(stage)}`,
  ];
  const undo = paths.map(
    (p) =>
      `if [ -e ${q(`${p}.prev`)} ]; then mv -f ${q(`${p}.prev`)} ${q(p)}; else rm -f ${q(p)}; fi`,
  );
  const cleanup = paths.map((p) => `rm -f ${q(`${p}.prev`)}`);
  lines.push(
    `if ! caddy reload --config Caddyfile --adapter caddyfile --address ${PROXY_ADMIN} 2>&1 >&2; then`,
    ...undo.map((l) => `  ${l}`),
    '  exit 1',
    'fi',
    ...cleanup,
  );
  return lines.join('\n');
}

/** Wait until the proxy gets a 2xx from `http://upstream/path`; a clear error at the deadline. */
export async function checkThroughProxy(
  engine: Engine,
  proxyId: string,
  service: string,
  target: { upstream: string; path: string; timeoutMs: number },
  signal: AbortSignal,
  onProgress: (text: string) => void,
): Promise<void> {
  const deadline = Date.now() + target.timeoutMs;
  const url = `http://${target.upstream}${target.path}`;
  for (let attempt = 1; ; attempt++) {
    const result = await runInProxy(engine, proxyId, [
      ...BOUNDED,
      'wget',
      '-q',
      '-O',
      '/dev/null',
      url,
    ]);
    if (result.code === 0) return;
    if (Date.now() > deadline) {
      throw new RuntimeError(
        `release ${target.upstream} of ${service} does not answer ${target.path} through the edge proxy: ${lastLines(result.stderr) || `wget exit ${result.code}`}`,
        {
          hint: `The old release keeps serving. See \`notesctl logs ${service}\`; fix and run \`notesctl up\` again.`,
        },
      );
    }
    onProgress(`check ${attempt}: ${lastLines(result.stderr) || `exit ${result.code}`}`);
    await sleep(250, signal);
  }
}

/**
 * Wait until the old release `upstream` has no connection from the proxy left, for at most
 * `timeoutMs`: after the switch the proxy sends it nothing new, so what remains are requests in
 * flight (and long-lived streams, which the timeout ends). Counted in the proxy's own socket
 * table (/proc/net/tcp), established connections to the old container's address on the edge
 * network: Caddy forgets an upstream's request count when a reload drops it from the routes, and
 * closes its idle connections to it, so its admin API would say 0 at once.
 */
export async function drainUpstream(
  engine: Engine,
  proxyId: string,
  drain: { upstream: string; containerId: string; network: string; timeoutMs: number },
  signal: AbortSignal,
  onProgress: (text: string) => void,
): Promise<void> {
  const old = await engine.inspectContainer(drain.containerId).catch(() => undefined);
  const address = old?.running ? old.addresses[drain.network] : undefined;
  const port = Number(drain.upstream.slice(drain.upstream.lastIndexOf(':') + 1));
  if (address === undefined || !Number.isInteger(port)) return;
  const deadline = Date.now() + drain.timeoutMs;
  for (;;) {
    const result = await runInProxy(engine, proxyId, [
      ...BOUNDED,
      'cat',
      '/proc/net/tcp',
      '/proc/net/tcp6',
    ]);
    const open = result.code === 0 ? establishedTo(result.stdout, address, port) : 0;
    if (open === 0) return;
    if (Date.now() > deadline) {
      onProgress(`drain timeout: ${open} connection(s) still open are cut`);
      return;
    }
    onProgress(`${open} connection(s) in flight`);
    await sleep(200, signal);
  }
}

/**
 * Established connections to `address:port` in /proc/net/tcp{,6} text: the remote address is
 * the IPv4 address as a little-endian hex word (IPv6: four such words, IPv4-mapped), the port
 * big-endian hex, state 01 = ESTABLISHED.
 */
export function establishedTo(table: string, address: string, port: number): number {
  const word = address
    .split('.')
    .map((b) => Number(b).toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  const hexPort = port.toString(16).padStart(4, '0').toUpperCase();
  const remotes = new Set([`${word}:${hexPort}`, `0000000000000000FFFF0000${word}:${hexPort}`]);
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '01' && remotes.has((f[2] ?? '').toUpperCase())).length;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
}
