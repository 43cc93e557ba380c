/**
 * The three ways the redeploy benchmark replaces notes, each on its own copy of the stack:
 * notesctl (notes behind the edge proxy, blue/green), docker-compose 1.29 (`up -d` after the
 * compose file names the new image: compose stops the old container, then creates and starts
 * the new one) and a plain stop/start with the docker CLI (the new container is created first,
 * then the old one is stopped and the new one started, which is as short a gap as stop/start
 * allows). Same images, same topology otherwise (compose-file.ts, docker-script.ts).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliResult } from '../../test/support/run-cli.ts';
import { docker, trackChild } from './cleanup.ts';
import { composeFile } from './compose-file.ts';
import { dockerScript } from './docker-script.ts';
import { useVersion, type NotesVersion } from './notes-versions.ts';
import { timeCommand, type CommandSpec } from './timing.ts';
import { tools } from './tools.ts';
import type { Workspace } from './workspace.ts';

/** One tool, as the redeploy benchmark drives it. */
export interface RedeployTool {
  name: string;
  /** Host port the load goes to (notesctl: the edge proxy's HTTP port). */
  port: number;
  /** Cold `up` of the stack with `version` of notes. */
  up: (version: NotesVersion) => Promise<void>;
  /** Replace notes by `version`; resolves with the command's output. */
  redeploy: (version: NotesVersion) => Promise<string>;
  /** `notesctl users …` or, for the peers, the same userauth CLI run in the container. */
  cli: (args: string[], options?: { input?: string }) => Promise<CliResult>;
  /** Image IDs of the running notes containers. */
  servingImages: () => Promise<string[]>;
  /** Remove the stack and its volumes. */
  down: () => Promise<void>;
}

/** Run a command with `input` on its stdin (never throws on a non-zero exit). */
function runWithInput(spec: CommandSpec, input: string): Promise<CliResult> {
  const [file = '', ...args] = spec.argv;
  const started = Date.now();
  const child = spawn(file, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  trackChild(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

/** Run `spec` to completion (5 min at most) and return what it printed. */
async function outputOf(spec: CommandSpec): Promise<string> {
  let output = '';
  await timeCommand(spec, 300_000, (text) => (output += text));
  return output;
}

/** Image IDs of running containers carrying every label in `labels`. */
async function runningImages(labels: string[]): Promise<string[]> {
  const filters = JSON.stringify({ label: labels, status: ['running'] });
  return (await docker.listContainers({ filters })).map((c) => c.ImageID);
}

/** What differs between the tools: how a version is put in place, the commands, the labels. */
interface ToolSpec extends Pick<RedeployTool, 'name' | 'port' | 'cli'> {
  /** Put a version in place: notes' sources (notesctl), the compose file, the script. */
  prepare: (version: NotesVersion) => Promise<void>;
  up: CommandSpec;
  redeploy: CommandSpec;
  down: CommandSpec;
  /** Labels of the tool's running notes container. */
  labels: string[];
}

function makeTool(spec: ToolSpec): RedeployTool {
  return {
    name: spec.name,
    port: spec.port,
    up: async (v) => {
      await spec.prepare(v);
      await outputOf(spec.up);
    },
    redeploy: async (v) => {
      await spec.prepare(v);
      return outputOf(spec.redeploy);
    },
    cli: spec.cli,
    servingImages: () => runningImages(spec.labels),
    down: () => outputOf(spec.down).then(() => undefined),
  };
}

// Stop/start with the new container created beforehand: $1 = container prefix, $2 = stack.sh.
const STOP_START = `set -euo pipefail
docker rename "$1-notes" "$1-notes-old"
bash "$2" create
docker stop "$1-notes-old" >/dev/null
bash "$2" up
docker rm "$1-notes-old" >/dev/null`;

/** notesctl, compose v1 and stop/start on `ws` (whose notesctl copy serves notes through the proxy). */
export function redeployTools(ws: Workspace): RedeployTool[] {
  const all = tools(ws);
  const secretsDir = join(ws.dir, 'secrets');
  const images = (v: NotesVersion) => new Map([...ws.images, ['notes', v.tag]]);
  // The peers' accounts: the userauth CLI that `notesctl users` runs, in their own container.
  const userauthCli = (exec: string[]) => (args: string[], options?: { input?: string }) =>
    runWithInput(
      { argv: [...exec, 'node', 'dist/cli.js', ...args.slice(1)], cwd: ws.dir, env: ws.env },
      options?.input ?? '',
    );
  const { compose, script } = ws;
  const writeCompose = (v: NotesVersion) =>
    writeFile(compose.composeFile, composeFile(compose.topology, images(v), secretsDir));
  const writeScript = (v: NotesVersion) =>
    writeFile(
      script.scriptFile,
      dockerScript(script.topology, script.project, images(v), secretsDir),
      { mode: 0o755 },
    );
  const notesctl = makeTool({
    name: 'notesctl',
    port: ws.notesctl.port,
    prepare: (v) => useVersion(ws, v),
    up: all.notesctl.up,
    redeploy: all.notesctl.up,
    down: all.notesctl.downVolumes,
    cli: (args, options) =>
      runWithInput(
        { ...all.notesctl.up, argv: [all.notesctl.up.argv[0] ?? '', ...args] },
        options?.input ?? '',
      ),
    labels: [`io.notesctl.project=${ws.notesctl.project}`, 'io.notesctl.service=notes'],
  });
  const dc = ['docker-compose', '-p', compose.project, '-f', compose.composeFile];
  const composeTool = makeTool({
    name: 'compose v1',
    port: compose.port,
    prepare: writeCompose,
    up: all.compose.up,
    redeploy: all.compose.up,
    down: all.compose.downVolumes,
    cli: userauthCli([...dc, 'exec', '-T', 'userauth']),
    labels: [`com.docker.compose.project=${compose.project}`, 'com.docker.compose.service=notes'],
  });
  const stopStart = makeTool({
    name: 'stop/start',
    port: script.port,
    prepare: writeScript,
    up: all.scriptExec.up,
    redeploy: {
      ...all.scriptExec.up,
      argv: ['bash', '-c', STOP_START, 'stop-start', script.project, script.scriptFile],
    },
    down: all.scriptExec.downVolumes,
    cli: userauthCli(['docker', 'exec', '-i', `${script.project}-userauth`]),
    labels: [`io.notesctl.bench.script=${script.project}`, 'io.notesctl.service=notes'],
  });
  return [notesctl, composeTool, stopStart];
}
