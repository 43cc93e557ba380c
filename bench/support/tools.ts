/**
 * The tools under comparison and the command each runs for `up`, `ps`, `down` and `down -v`.
 * All three deploy the same topology (own project name and published port) on the same engine:
 * the local one, or a remote host (notesctl with `--host NAME`, the peers with DOCKER_HOST).
 */
import type { CommandSpec } from './timing.ts';
import { NOTESCTL, type Workspace } from './workspace.ts';

/** One tool. */
export interface Tool {
  /** Column heading. */
  name: string;
  /** Port notes is published on, for the /health poll. */
  port: number;
  up: CommandSpec;
  ps: CommandSpec;
  down: CommandSpec;
  downVolumes: CommandSpec;
}

/** How the tools reach a remote engine (bench/remote.ts). */
export interface RemoteTarget {
  /** The host's name in notesctl's host store (`--host NAME`). */
  host: string;
  /** Environment of every tool. */
  env: Record<string, string>;
  /** Environment of the peers only (DOCKER_HOST=ssh://…). */
  peerEnv: Record<string, string>;
}

/** notesctl, docker-compose v1 and the docker CLI script (waiting on Docker's health status). */
export function tools(
  ws: Workspace,
  remote?: RemoteTarget,
): {
  notesctl: Tool;
  compose: Tool;
  script: Tool;
  scriptExec: Tool;
} {
  const at = (argv: string[], env: Record<string, string> = {}): CommandSpec => ({
    argv,
    cwd: ws.dir,
    env: { ...ws.env, ...remote?.env, ...env },
  });
  const peer = remote?.peerEnv ?? {};
  const hostArgs = remote ? ['--host', remote.host] : [];
  const ctl = (...args: string[]) =>
    at([NOTESCTL, ...hostArgs, ...args], {
      NOTES_PUBLIC_URL: `http://localhost:${ws.notesctl.port}`,
    });
  const dc = (...args: string[]) =>
    at(['docker-compose', '-p', ws.compose.project, '-f', ws.compose.composeFile, ...args], peer);
  const sh =
    (mode: string) =>
    (...args: string[]) =>
      at(['bash', ws.script.scriptFile, ...args], { ...peer, WAIT_MODE: mode });
  const script = sh('health');
  const scriptExec = sh('exec');
  return {
    notesctl: {
      name: 'notesctl',
      port: ws.notesctl.port,
      up: ctl('up'),
      ps: ctl('ps'),
      down: ctl('down'),
      downVolumes: ctl('down', '--volumes', '--yes'),
    },
    compose: {
      name: 'compose v1',
      port: ws.compose.port,
      up: dc('up', '-d'),
      ps: dc('ps'),
      down: dc('down'),
      downVolumes: dc('down', '-v'),
    },
    script: {
      name: 'script',
      port: ws.script.port,
      up: script('up'),
      ps: script('ps'),
      down: script('down'),
      downVolumes: script('down', '-v'),
    },
    scriptExec: {
      name: 'script+exec',
      port: ws.script.port,
      up: scriptExec('up'),
      ps: scriptExec('ps'),
      down: scriptExec('down'),
      downVolumes: scriptExec('down', '-v'),
    },
  };
}
