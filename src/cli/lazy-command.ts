/**
 * How src/cli.ts loads commands lazily: each entry of its table becomes a LazyCommand, which
 * imports the command's module (its flags, its typed options, its run()) only when the parent's
 * preSubcommand hook finds it about to parse: `notesctl --version` and `--help` load none.
 */
import { Command, type HelpContext } from 'commander';
import type { CommandContext, CommandModule } from '../commands/context.ts';

/** A command of the table: name and arguments, description, and its module's loader. */
export interface Leaf {
  name: string;
  description: string;
  load: () => Promise<Loaded>;
}

/** A command with subcommands (`users add`, `hosts ls`, …). */
export interface Group {
  name: string;
  description: string;
  commands: Leaf[];
}

/** A loaded module, its options type checked against its run() and then set aside. */
interface Loaded {
  configure: (command: Command) => Command;
  /** Read the options and bind them to run(). */
  prepare: (command: Command) => Invocation;
}

/** A parsed command, ready to run: what buildProgram hands its caller. */
export interface Invocation {
  /** The command as parsed (its common flags are read from it). */
  command: Command;
  /** The module's typed options (tests look at them). */
  options: unknown;
  run: (context: CommandContext) => Promise<number | undefined>;
}

/** A table entry for the module `load` imports; `O` ties its readOptions() to its run(). */
export function leaf<O>(entry: {
  name: string;
  description: string;
  load: () => Promise<CommandModule<O>>;
}): Leaf {
  const load = async (): Promise<Loaded> => {
    const module = await entry.load();
    return {
      configure: module.configure,
      prepare: (command) => {
        const options = module.readOptions(command);
        return { command, options, run: (context) => module.run(options, context) };
      },
    };
  };
  return { name: entry.name, description: entry.description, load };
}

/** Flags every command also accepts after its name (`notesctl ps --json`). */
const COMMON_OPTIONS: [string, string][] = [
  ['--host <name>', 'target host (env NOTESCTL_HOST)'],
  ['--json', 'machine-readable output on stdout'],
  ['-q, --quiet', 'only errors and data'],
  ['-v, --verbose', 'more detail, stack traces for errors'],
  ['--no-color', 'no colours (also NO_COLOR=1)'],
  ['--accept-new-host-key', 'trust and record an SSH host key seen for the first time'],
];

/**
 * A command whose flags and action come from its module, imported just before the command
 * parses its arguments (the parent's preSubcommand hook) — so only when it is used.
 */
export class LazyCommand extends Command {
  readonly #leaf: Leaf;
  readonly #dispatch: (invocation: Invocation) => Promise<void>;
  #loaded = false;

  constructor(leaf: Leaf, dispatch: (invocation: Invocation) => Promise<void>) {
    const [name = '', ...args] = leaf.name.split(' ');
    super(name);
    this.#leaf = leaf;
    this.#dispatch = dispatch;
    this.description(leaf.description);
    if (args.length > 0) this.arguments(args.join(' '));
  }

  /** How the parent's help lists it, before its flags are declared: with `[options]`. */
  get term(): string {
    const [name = '', ...args] = this.#leaf.name.split(' ');
    return [name, '[options]', ...args].join(' ');
  }

  /** Import the module; declare its flags, then the common ones it lacks, and its action. */
  async load(): Promise<void> {
    if (this.#loaded) return;
    const module = await this.#leaf.load();
    module.configure(this);
    addCommonOptions(this);
    this.action(() => this.#dispatch(module.prepare(this)));
    this.#loaded = true;
  }

  /**
   * `notesctl help up` asks for help before any hook has run. Returning lets commander fall back
   * to parsing `up --help`, which loads the module first.
   */
  override help(context?: HelpContext): never;
  /** @deprecated commander's old signature, kept for type compatibility. */
  override help(cb: (text: string) => string): never;
  override help(context?: HelpContext | ((text: string) => string)): never {
    if (this.#loaded) super.help(context as HelpContext);
    return undefined as never;
  }
}

/** Add the common flags `command` does not declare itself (by long or short name). */
function addCommonOptions(command: Command): void {
  for (const [flags, description] of COMMON_OPTIONS) {
    const long = flags.split(' ').find((f) => f.startsWith('--'));
    if (
      command.options.some(
        (o) => o.long === long || (o.short !== undefined && flags.startsWith(`${o.short},`)),
      )
    )
      continue;
    command.option(flags, description);
  }
}
