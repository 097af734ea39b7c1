import { parseArgs } from 'node:util';
import { asTranslateError, operatorMessage, TranslateError } from '../src/errors.js';
import { COMMANDS, isCommand, mainHelp, type CommandArgs, type CommandName } from './command-table.js';

/**
 * `livetranslate <command>`: parses the arguments against cli/command-table.ts, answers `--help`, `--version` and
 * usage mistakes itself, and only then imports the one command that runs (so those answers load none of the bot).
 */
type Runner = (args: never) => Promise<number>;
const RUNNERS: { [N in CommandName]: () => Promise<(args: CommandArgs<N>) => Promise<number>> } = {
  translate: async () => (await import('./translate-command.js')).translateCommand,
  start: async () => (await import('./start-command.js')).startCommand,
  'register-commands': async () => (await import('./register-command.js')).registerCommandsCommand,
  demo: async () => (await import('./demo-command.js')).demoCommand,
  languages: async () => async () => {
    const { languagesText } = await import('../src/catalogue-text.js');
    process.stdout.write(languagesText());
    return 0;
  },
};

/** A usage mistake: one line on stderr, exit 2. */
function usageError(text: string): number {
  process.stderr.write(`livetranslate: ${text}\n`);
  return 2;
}

/** `--help` or `-h` anywhere before a `--` (after it, everything is a positional). */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** node:util's parse error, first sentence only (its hints about `--` are not about our commands). */
const firstSentence = (message: string) => message.split(/\.\s/)[0]!.replace(/\.$/, '');

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(`${mainHelp()}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    if (topic !== undefined && isCommand(topic)) process.stdout.write(`${COMMANDS[topic].help}\n`);
    else if (topic !== undefined) return usageError(`Unknown command "${topic}" (livetranslate --help lists the commands).`);
    else process.stdout.write(`${mainHelp()}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    const { packageVersion } = await import('./package-version.js');
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (!isCommand(command)) {
    return usageError(command.startsWith('-')
      ? `Unknown option '${command}' (livetranslate --help lists the commands and options).`
      : `Unknown command "${command}" (livetranslate --help lists the commands).`);
  }
  const spec = COMMANDS[command];
  if (wantsHelp(rest)) {
    process.stdout.write(`${spec.help}\n`);
    return 0;
  }
  let args;
  try {
    args = parseArgs({ args: rest, options: spec.options, allowPositionals: spec.positionals, strict: true });
  } catch (err) {
    return usageError(`${firstSentence((err as Error).message)} for "${command}" (livetranslate ${command} --help shows its usage).`);
  }
  const run = (await RUNNERS[command]()) as Runner;
  return run(args as never);
}

/** Exit status for each failure: usage mistakes are 2, cancellations 130, everything else 1. */
function exitCode(err: TranslateError): number {
  if (err.code === 'BAD_USAGE') return 2;
  if (err.code === 'CANCELLED') return 130;
  return 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const error = asTranslateError(err);
  // An internal error names its cause on the same line (no stack trace), so it can be reported.
  const cause = error.code === 'INTERNAL' && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  process.stderr.write(`livetranslate: ${operatorMessage(error)}${cause}\n`);
  process.exitCode = exitCode(error);
}
