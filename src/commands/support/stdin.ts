/**
 * Reading all of standard input (for --password-stdin).
 */

/** Everything on stdin as UTF-8 text. */
export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
