/**
 * The project's deploy lock on a plain server (the HostLockStore of issue 23): a file,
 * /etc/notesctl/<project>/deploy.lock, whose first line is the holder's handle. Each operation
 * is one script under flock(1) on a guard file, so create/read/write/remove are atomic.
 */
import { randomBytes } from 'node:crypto';
import type { Shell } from '../../engine/shell.ts';
import { RuntimeError } from '../../errors.ts';
import type { HostLockStore } from '../target.ts';
import { ETC } from './names.ts';
import { shellQuote as q } from './quote.ts';

/** A deploy lock kept in a file on the server. */
export function fileHostLock(shell: Shell, project: string): HostLockStore {
  const dir = `${ETC}/${project}`;
  const file = `${dir}/deploy.lock`;
  const guarded = (body: string) =>
    `set -eu; mkdir -p ${q(dir)}; exec 9>${q(`${file}.guard`)}; flock 9\n${body}`;
  const run = async (script: string, input?: string) => {
    const result = await shell.run(
      guarded(script),
      input === undefined ? {} : { input: Buffer.from(input) },
    );
    if (result.code !== 0)
      throw new RuntimeError(
        `the deploy lock on ${shell.hostName} (${file}): ${result.stderr.trim()}`,
      );
    return result.stdout;
  };
  const holder = `head -n1 ${q(file)} 2>/dev/null || true`;
  return {
    where: `${file} on ${shell.hostName}`,
    async create(content) {
      const handle = randomBytes(8).toString('hex');
      const out = await run(
        `if [ -e ${q(file)} ]; then echo exists; else { echo ${handle}; cat; } > ${q(`${file}.tmp`)}; mv ${q(`${file}.tmp`)} ${q(file)}; echo created; fi`,
        content,
      );
      return out.trim() === 'created' ? handle : undefined;
    },
    async read() {
      const out = await run(`cat ${q(file)} 2>/dev/null || true`);
      if (out === '') return undefined;
      const newline = out.indexOf('\n');
      return { handle: out.slice(0, newline), content: out.slice(newline + 1) };
    },
    async write(handle, content) {
      const out = await run(
        `if [ "$(${holder})" = ${q(handle)} ]; then { echo ${q(handle)}; cat; } > ${q(`${file}.tmp`)}; mv ${q(`${file}.tmp`)} ${q(file)}; echo ok; else echo gone; fi`,
        content,
      );
      return out.trim() === 'ok';
    },
    async remove(handle) {
      await run(`if [ "$(${holder})" = ${q(handle)} ]; then rm -f ${q(file)}; fi`);
    },
    async now() {
      const out = await run('date +%s%3N');
      return new Date(Number(out.trim()));
    },
  };
}
