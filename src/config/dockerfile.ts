/**
 * Just enough Dockerfile reading to know whether the image a build produces defines a
 * HEALTHCHECK (so `depends_on: {x: healthy}` on a build service can be trusted).
 */

interface Stage {
  name: string | undefined;
  base: string;
  healthcheck: 'set' | 'none' | undefined;
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(pending + line);
    pending = '';
  }
  if (pending !== '') out.push(pending);
  return out;
}

/**
 * Whether the stage that gets built (`target`, else the last) ends up with a HEALTHCHECK,
 * following `FROM <earlier stage>` chains (a stage inherits its base stage's healthcheck).
 */
export function dockerfileHasHealthcheck(text: string, target?: string): boolean {
  const stages: Stage[] = [];
  for (const line of instructions(text)) {
    const [keyword = '', ...args] = line.split(/\s+/);
    const instruction = keyword.toUpperCase();
    if (instruction === 'FROM') {
      const words = args.filter((a) => !a.startsWith('--'));
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        base: words[0] ?? '',
        name: as === -1 ? undefined : words[as + 1]?.toLowerCase(),
        healthcheck: undefined,
      });
    } else if (instruction === 'HEALTHCHECK') {
      const stage = stages[stages.length - 1];
      if (stage) stage.healthcheck = args[0]?.toUpperCase() === 'NONE' ? 'none' : 'set';
    }
  }
  let index =
    target === undefined
      ? stages.length - 1
      : stages.findIndex((s) => s.name === target.toLowerCase());
  for (let hops = 0; index >= 0 && hops <= stages.length; hops++) {
    const stage = stages[index];
    if (!stage) return false;
    if (stage.healthcheck !== undefined) return stage.healthcheck === 'set';
    const base = stage.base.toLowerCase();
    index = stages.findIndex((s, i) => i < index && s.name === base);
  }
  return false;
}
