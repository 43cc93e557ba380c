/**
 * Run a command inside a container through the real engine (tests only) and get its exit code.
 */
import type Docker from 'dockerode';

/** Exit code of `cmd` run in container `id`. */
export async function execIn(docker: Docker, id: string, cmd: string[]): Promise<number> {
  const exec = await docker
    .getContainer(id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.resume();
  });
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? -1;
    await new Promise((r) => setTimeout(r, 50));
  }
  return -1;
}

/** A TCP connect attempt from inside a container: node where there is node, else bash. */
export function connectCommand(hasNode: boolean, host: string, port: number): string[] {
  if (hasNode) {
    return [
      'node',
      '-e',
      `const s=require('net').connect(${port},'${host}');s.setTimeout(2000);s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(2));`,
    ];
  }
  return ['timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`];
}
