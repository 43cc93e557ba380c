/** Rule: `depends_on` must not loop (a → b → a), or nothing in the loop could ever start. */
import { type Rule, servicesOf } from './context.ts';
import { dependenciesOf } from './references.ts';

/** Report each dependency cycle once, as its path, at the edge that closes it. */
export const rejectDependencyCycles: Rule = (context) => {
  const edges = new Map<string, { name: string; at: string | number }[]>();
  for (const [name, service] of servicesOf(context)) {
    edges.set(name, dependenciesOf(service.depends_on));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();

  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const edge of edges.get(name) ?? []) {
      if (!edges.has(edge.name)) continue;
      const seen = state.get(edge.name);
      if (seen === 'visiting') {
        const cycle = stack.slice(stack.indexOf(edge.name));
        // The same loop is found from whichever member the search entered first; report it once.
        const key = [...cycle].sort().join('\0');
        if (!reported.has(key)) {
          reported.add(key);
          const shown = [...cycle, edge.name].join(' → ');
          context.problems.report(
            ['services', name, 'depends_on', edge.at],
            `dependency cycle: ${shown} — remove one of these depends_on entries`,
            'key',
          );
        }
      } else if (seen === undefined) visit(edge.name);
    }
    stack.pop();
    state.set(name, 'done');
  };

  for (const name of edges.keys()) if (!state.has(name)) visit(name);
};
