/**
 * Reading a password for the CLI from stdin: piped input is read to the end (one trailing
 * newline dropped); on a terminal the user is prompted on stderr and nothing is echoed.
 */

/** No usable password arrived on stdin. */
export class PasswordInputError extends Error {}

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function readFromTerminal(): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write('Password: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new PasswordInputError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The password from stdin; throws PasswordInputError when it is empty. */
export async function readPassword(): Promise<string> {
  const password = process.stdin.isTTY ? await readFromTerminal() : await readPiped();
  if (!password)
    throw new PasswordInputError('no password on stdin (pipe it in, e.g. printf %s "$PW" | ...)');
  return password;
}
