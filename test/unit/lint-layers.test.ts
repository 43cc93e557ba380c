import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The layer rules of eslint.config.js (issue 18 §4), shown failing on planted violations and
// quiet on the same code where it belongs. The planted files do not exist: type-aware parsing
// would refuse them (not in the project), and the layer rules look at syntax only, so the real
// config is used with type information switched off — same globs, same options, ~0.5 s.
const LAYER_RULES = new Set([
  '@typescript-eslint/no-restricted-imports',
  'no-restricted-properties',
  'no-restricted-syntax',
]);

const eslint = new ESLint({
  cwd: fileURLToPath(new URL('../..', import.meta.url)),
  overrideConfig: tseslint.configs.disableTypeChecked,
  ruleFilter: ({ ruleId }) => LAYER_RULES.has(ruleId),
});

/** The rule ids a file at `filePath` holding `code` breaks. */
async function layerProblems(filePath: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result?.messages.map((message) => message.ruleId) ?? ['no result'];
}

const IMPORTS = '@typescript-eslint/no-restricted-imports';
const PROPERTIES = 'no-restricted-properties';
const SYNTAX = 'no-restricted-syntax';

const code = {
  dockerode: "import Docker from 'dockerode';\nexport const docker = new Docker();\n",
  dockerodeLazy: "export const load = () => import('dockerode');\n",
  modemSubpath: "import Modem from 'docker-modem/lib/modem.js';\nexport { Modem };\n",
  ssh2Types: "import type { Client } from 'ssh2';\nexport type Link = Client;\n",
  ssh2TypeQuery: "export type Ssh2 = typeof import('ssh2');\n",
  stdoutWrite: "process.stdout.write('hello\\n');\n",
  stderrDestructured: "const { stderr } = process;\nstderr.write('x');\n",
  stdoutImported: "import { stdout } from 'node:process';\nstdout.write('x');\n",
  stdinRead: 'export const interactive = process.stdin.isTTY;\n',
  wholeProcess:
    "import type { OutputStreams } from './output/terminal.ts';\nexport const streams: OutputStreams = process;\n",
  dockerEngine:
    "import { DockerEngine } from '../engine/docker-engine.ts';\nexport const engine = DockerEngine;\n",
  dockerEngineType:
    "import type { DockerEngine } from '../engine/docker-engine.ts';\nexport type E = DockerEngine;\n",
  dockerEngineLazy: "export const load = () => import('../engine/docker-engine.ts');\n",
  engineTypes: "import type { Engine } from '../engine/engine.ts';\nexport type E = Engine;\n",
  applyValue:
    "import { executePlan } from '../apply/execute.ts';\nexport const run = executePlan;\n",
  applyTypes:
    "import type { ApplyEvent } from '../apply/events.ts';\nexport type E = ApplyEvent;\n",
  cliTypes: "import type { CommandRunner } from '../cli.ts';\nexport type R = CommandRunner;\n",
  engineOpen:
    "import { probeEngineVersion } from '../engine/open.ts';\nexport const probe = probeEngineVersion;\n",
  sshUtility:
    "import { describeEndpoint } from '../engine/ssh/endpoint.ts';\nexport const d = describeEndpoint;\n",
  targetSeam: "import { withTarget } from '../targets/open.ts';\nexport const w = withTarget;\n",
};

describe('layer lint rules', () => {
  it.each([
    ['src/commands/x.ts', 'dockerode', IMPORTS],
    ['src/ship/x.ts', 'modemSubpath', IMPORTS],
    ['src/apply/x.ts', 'ssh2Types', IMPORTS],
    ['src/output/x.ts', 'dockerode', IMPORTS],
    ['src/commands/x.ts', 'dockerodeLazy', SYNTAX],
    ['src/commands/x.ts', 'ssh2TypeQuery', SYNTAX],
  ] as const)(
    'only src/engine/ uses Docker/SSH libraries: %s with %s → %s',
    async (file, planted, rule) => {
      expect(await layerProblems(file, code[planted])).toEqual([rule]);
    },
  );

  it.each([
    ['src/apply/x.ts', 'stdoutWrite', PROPERTIES],
    ['src/engine/x.ts', 'stdoutWrite', PROPERTIES],
    ['src/commands/x.ts', 'stderrDestructured', PROPERTIES],
    ['src/commands/x.ts', 'stdoutImported', IMPORTS],
    ['src/commands/x.ts', 'wholeProcess', SYNTAX],
  ] as const)(
    'only src/output/ writes to the terminal: %s with %s → %s',
    async (file, planted, rule) => {
      expect(await layerProblems(file, code[planted])).toEqual([rule]);
    },
  );

  it.each([
    ['src/plan/x.ts', 'dockerEngine', IMPORTS],
    ['src/plan/x.ts', 'dockerEngineType', IMPORTS],
    ['src/plan/x.ts', 'dockerEngineLazy', SYNTAX],
    ['src/plan/x.ts', 'applyValue', IMPORTS],
    ['src/plan/x.ts', 'cliTypes', IMPORTS],
    ['src/plan/x.ts', 'dockerode', IMPORTS],
  ] as const)(
    'the planner imports no engine code: %s with %s → %s',
    async (file, planted, rule) => {
      expect(await layerProblems(file, code[planted])).toEqual([rule]);
    },
  );

  it.each([
    ['src/commands/x.ts', 'dockerEngine', IMPORTS],
    ['src/commands/x.ts', 'engineTypes', IMPORTS],
    ['src/commands/x.ts', 'dockerEngineLazy', SYNTAX],
  ] as const)(
    'commands reach hosts through the target seam: %s with %s → %s',
    async (file, planted, rule) => {
      expect(await layerProblems(file, code[planted])).toEqual([rule]);
    },
  );

  it.each([
    ['src/commands/x.ts', 'targetSeam'],
    ['src/commands/x.ts', 'engineOpen'],
    ['src/commands/x.ts', 'sshUtility'],
    ['src/engine/x.ts', 'dockerode'],
    ['src/engine/ssh/x.ts', 'ssh2Types'],
    ['src/output/x.ts', 'stdoutWrite'],
    ['src/commands/x.ts', 'stdinRead'],
    ['src/cli.ts', 'wholeProcess'],
    ['src/apply/x.ts', 'dockerEngine'],
    ['src/plan/x.ts', 'engineTypes'],
    ['src/plan/x.ts', 'applyTypes'],
    ['test/unit/x.test.ts', 'dockerode'],
    ['test/unit/x.test.ts', 'stdoutWrite'],
  ] as const)('allows %s with %s', async (file, planted) => {
    expect(await layerProblems(file, code[planted])).toEqual([]);
  });
});
