import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/command-table.js';

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
const VERSION = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;

interface Run { code: number; stdout: string; stderr: string }

/** The real `livetranslate` process, with no configuration at all (help must not need any). */
function cli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

const commands = Object.keys(COMMANDS);

describe('livetranslate --help, --version and usage mistakes (real processes)', () => {
  const helps: [string, string[], string][] = [
    ...commands.flatMap((name): [string, string[], string][] => [
      [`${name} --help`, [name, '--help'], name],
      [`${name} -h`, [name, '-h'], name],
      [`help ${name}`, ['help', name], name],
    ]),
    // help wins over everything else on the line, even arguments that would be refused
    ['translate with other arguments and --help', ['translate', 'nope.wav', '--loud', '--help'], 'translate'],
  ];
  it.each(helps)('%s prints that command\'s usage on stdout and exits 0', async (_name, args, command) => {
    const run = await cli(args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: livetranslate ${command}\\b`));
    // every option the command accepts is explained in its help
    const options = Object.keys(COMMANDS[command as keyof typeof COMMANDS].options);
    for (const option of [...options, 'help']) expect(run.stdout).toContain(`--${option}`);
  });

  it.each([['--help'], ['-h'], ['help']])('%s lists every command and exits 0', async (flag) => {
    const run = await cli([flag]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const name of commands) expect(run.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it.each([['--version'], ['-v']])('%s prints the package version', async (flag) => {
    const run = await cli([flag]);
    expect(run).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('no command prints the usage on stderr and exits 2', async () => {
    const run = await cli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: livetranslate <command>');
  });

  const mistakes: [string, string[], string][] = [
    ['an unknown command', ['translte', 'a.ogg'], 'Unknown command "translte"'],
    ['help on an unknown command', ['help', 'nope'], 'Unknown command "nope"'],
    ['an unknown option before any command', ['--loud'], "Unknown option '--loud'"],
    ['an unknown option of translate', ['translate', 'a.ogg', '--to', 'en', '--loud'], "Unknown option '--loud' for \"translate\""],
    ['a missing option value', ['translate', 'a.ogg', '--to'], "'--to <value>' argument missing"],
    ...commands.filter((n) => n !== 'translate').map((name): [string, string[], string] =>
      [`an unknown option of ${name}`, [name, '--bogus'], `Unknown option '--bogus' for "${name}"`]),
    ...commands.filter((n) => !COMMANDS[n as keyof typeof COMMANDS].positionals).map((name): [string, string[], string] =>
      [`an argument ${name} does not take`, [name, 'extra'], `Unexpected argument 'extra' for "${name}"`]),
  ];
  it.each(mistakes)('%s: one line on stderr naming it, exit 2', async (_name, args, fragment) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^livetranslate: /);
    expect(lines[0]).toContain(fragment);
  });
});
