// The docker CLI as the test bed uses it: against the engine DOCKER_HOST names (or the default
// socket), with the legacy builder (Debian's Docker 20.10 has no buildx; see shared/TESTBED.md).
import { execa, type Options } from 'execa';

/** The result of one docker CLI call. */
export interface DockerResult {
  exitCode: number;
  stdout: string;
  /** stdout and stderr interleaved, for error messages. */
  all: string;
}

/** Run `docker ARGS`; throws with the command's output when it fails, unless `reject: false`. */
export async function docker(
  args: readonly string[],
  options: {
    reject?: boolean;
    timeoutMs?: number;
    input?: string;
    env?: Record<string, string>;
  } = {},
): Promise<DockerResult> {
  const execaOptions: Options = {
    reject: false,
    all: true,
    env: { DOCKER_BUILDKIT: '0', ...options.env },
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }),
  };
  const result = await execa('docker', args, execaOptions);
  const out = {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? '').trim(),
    all: String(result.all ?? '').trim(),
  };
  if (out.exitCode !== 0 && options.reject !== false) {
    const tail = out.all.split('\n').slice(-25).join('\n');
    throw new Error(`docker ${args.join(' ')} failed (exit ${out.exitCode}):\n${tail}`);
  }
  return out;
}

/** The labels of a local image, or undefined when the engine does not have it. */
export async function imageLabels(tag: string): Promise<Record<string, string> | undefined> {
  const found = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', tag], {
    reject: false,
  });
  if (found.exitCode !== 0) return undefined;
  return (JSON.parse(found.stdout) as Record<string, string> | null) ?? {};
}
