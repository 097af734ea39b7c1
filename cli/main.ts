import { asTranslateError, TranslateError, userMessage } from '../src/errors.js';
import { startCommand } from './start-command.js';
import { translateCommand } from './translate-command.js';

const USAGE = `Usage:
  livetranslate translate <file-or-url> --to <lang> [--from <lang>] [--voice <name>] [--text-only] [--out <file.ogg>] [--json] [--allow-private-urls]
  livetranslate start              run the bot with the platforms configured in the environment
  livetranslate register-commands  register the Discord commands and print the invite URL
  livetranslate demo [--out f.ogg] the whole Discord flow on this machine against local emulators, no accounts
  livetranslate languages          list the languages and voices

Exit codes: 0 done, 1 failed, 2 bad usage, 3 translation cut short by the model's output limit, 130 interrupted.`;

/** Exit status for each failure: usage mistakes are 2, cancellations 130, everything else 1. */
function exitCode(err: TranslateError): number {
  if (err.code === 'BAD_USAGE') return 2;
  if (err.code === 'CANCELLED') return 130;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'translate':
      return translateCommand(rest);
    case 'start':
      return startCommand();
    case 'demo': {
      const { demoCommand } = await import('./demo-command.js');
      return demoCommand(rest);
    }
    case 'register-commands': {
      const { registerCommandsCommand } = await import('./register-command.js');
      return registerCommandsCommand();
    }
    case 'languages': {
      const { languagesText } = await import('../src/catalogue-text.js');
      process.stdout.write(languagesText());
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new TranslateError('BAD_USAGE', `Unknown command "${command}".\n${USAGE}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const error = asTranslateError(err);
  // An internal error names its cause on the same line (no stack trace), so it can be reported.
  const cause = error.code === 'INTERNAL' && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  process.stderr.write(`livetranslate: ${userMessage(error)}${cause}\n`);
  process.exitCode = exitCode(error);
}
