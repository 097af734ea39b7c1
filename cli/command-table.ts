import type { parseArgs } from 'node:util';

/**
 * Every `livetranslate` command: its one-line summary, its `--help` text and its options (node:util parseArgs
 * form). This module imports nothing at run time, so `--help`, `--version` and usage errors load no part of the bot;
 * cli/main.ts parses the arguments against this table and only then imports the command's module.
 */
export interface CommandSpec {
  summary: string;
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;
  /** Whether the command takes positional arguments (translate: the file or URL). */
  positionals: boolean;
}

const EXIT_CODES = 'Exit codes: 0 done, 1 failed (one line on stderr says why), 2 bad usage.';
const ENV_NOTE = 'Variables are read from the environment and from .env in the current directory; .env.example lists them all.';

export const COMMANDS = {
  translate: {
    summary: 'translate one audio or video file or URL; the text streams to stdout',
    positionals: true,
    options: {
      to: { type: 'string' }, from: { type: 'string' }, voice: { type: 'string' },
      'text-only': { type: 'boolean', default: false }, 'audio-only': { type: 'boolean', default: false },
      out: { type: 'string' }, json: { type: 'boolean', default: false }, 'allow-private-urls': { type: 'boolean', default: false },
    },
    help: `Usage: livetranslate translate <file-or-url> --to <lang> [--from <lang>] [--voice <name>] [--text-only] [--audio-only] [--out <file.ogg>] [--json] [--allow-private-urls]

Translates one audio or video file, or an http(s) URL, with qwen3-livetranslate-flash. The translated text streams
to stdout as it arrives; notes, the usage line and errors go to stderr, one line each.

Options:
  --to <lang>            target language: a code (ja), an English or native name (Japanese, 日本語) or a locale (pt-BR); required
  --from <lang>          the spoken language (default: the model detects it; naming it is more accurate)
  --voice <name>         voice of the translated speech (livetranslate languages lists them)
  --out <file.ogg>       also ask for speech and write it as an Ogg Opus voice note
  --text-only            text only (what happens anyway without --out)
  --audio-only           a video: translate its sound only, without its pictures (far fewer input tokens)
  --json                 print every event as a JSON line (text, audio sample counts, usage, end, voice)
  --allow-private-urls   let a URL reach local or private network addresses
  -h, --help             show this help

Environment: DASHSCOPE_API_KEY (required), DASHSCOPE_BASE_URL, LIVETRANSLATE_MODEL, LIVETRANSLATE_MAX_FILE_MB,
LIVETRANSLATE_VIDEO_HEIGHT and LIVETRANSLATE_VIDEO_FPS (a long video's segments), FFMPEG_PATH. ${ENV_NOTE}
To try it with no account: \`npm run emulator:model\` prints a base URL; set DASHSCOPE_BASE_URL to it and
DASHSCOPE_API_KEY=test-key.

Exit codes: 0 done, 1 failed (one line on stderr says why), 2 bad usage, 3 cut short by the model's 4,096-token
output limit (the text so far is printed), 130 interrupted.`,
  },
  start: {
    summary: 'run the bot with the platforms configured in the environment (what npm start runs)',
    positionals: false,
    options: {},
    help: `Usage: livetranslate start

Runs the bot with every chat platform that has credentials: Discord with DISCORD_TOKEN; Slack with SLACK_BOT_TOKEN
and SLACK_SIGNING_SECRET (HTTP mode, POST /slack/events on PORT) or SLACK_APP_TOKEN (Socket Mode). The model needs
DASHSCOPE_API_KEY. The store is STORE_URL (default sqlite://./data/livetranslate.sqlite); /healthz and /metrics
answer on PORT (default 3000). SIGTERM or Ctrl-C stops taking work and gives running translations
LIVETRANSLATE_SHUTDOWN_GRACE_S seconds.
${ENV_NOTE}

Options:
  -h, --help   show this help

Exit codes: 0 stopped, 1 could not start (one line names the variable or port to fix), 2 bad usage.`,
  },
  'register-commands': {
    summary: 'register the Discord commands and print the invite URL',
    positionals: false,
    options: {},
    help: `Usage: livetranslate register-commands

Registers /translate, /languages and the "Translate" and "Translate to…" message menus for the Discord application
of DISCORD_TOKEN: to the server DISCORD_GUILD_ID when set (instant), else globally (up to an hour to appear). Prints
the invite URL with exactly the permissions the bot uses. \`livetranslate start\` also registers them when they changed.
${ENV_NOTE}

Options:
  -h, --help   show this help

${EXIT_CODES}`,
  },
  demo: {
    summary: 'the whole Discord flow on this machine against local emulators, no accounts',
    positionals: false,
    options: { out: { type: 'string', default: 'demo-voice-message.ogg' } },
    help: `Usage: livetranslate demo [--out <file.ogg>]

Starts a model emulator, a Discord emulator and the bot on this machine (no accounts, no network), sends a voice
note through /translate, prints every edit of the reply as it happens and writes the voice message the bot posted.

Options:
  --out <file.ogg>   where to write the voice message (default: demo-voice-message.ogg)
  -h, --help         show this help

${EXIT_CODES}`,
  },
  languages: {
    summary: 'list the languages, which can be spoken, and the voices',
    positionals: false,
    options: {},
    help: `Usage: livetranslate languages

Lists the 18 languages the model translates between, which of them can be spoken and by which voices, and every
voice with the languages it speaks.

Options:
  -h, --help   show this help

${EXIT_CODES}`,
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** What parseArgs returns for command `N` (typed from its options above). */
export type CommandArgs<N extends CommandName> = ReturnType<
  typeof parseArgs<{ options: (typeof COMMANDS)[N]['options']; allowPositionals: (typeof COMMANDS)[N]['positionals']; strict: true }>
>;

export const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

/** `livetranslate --help`: every command with its summary. */
export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const rows = Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`);
  return `Usage: livetranslate <command> [options]

Commands:
${rows.join('\n')}

Options:
  -h, --help     show this help (livetranslate <command> --help shows a command's options)
  -v, --version  print the version

${ENV_NOTE}`;
}
