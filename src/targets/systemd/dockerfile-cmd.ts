/**
 * The command a `build:` service's image would run (its Dockerfile's last CMD), which a plain
 * server runs instead (issue 21). Exec form (`CMD ["node", "dist/server.js"]`) as it is; shell
 * form through /bin/sh -c. No CMD: undefined (the topology's `command:` must say).
 */

/** The last CMD of `text`, as argv. */
export function dockerfileCommand(text: string): string[] | undefined {
  let found: string[] | undefined;
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^FROM\s/i.test(line)) found = undefined;
    const match = /^CMD\s+(.*)$/i.exec(line);
    if (!match) continue;
    const rest = (match[1] ?? '').trim();
    if (rest.startsWith('[')) {
      try {
        const parsed = JSON.parse(rest) as unknown;
        if (Array.isArray(parsed) && parsed.every((w) => typeof w === 'string')) found = parsed;
        continue;
      } catch {
        // Not JSON: Docker runs it through the shell too.
      }
    }
    found = ['/bin/sh', '-c', rest];
  }
  return found;
}
