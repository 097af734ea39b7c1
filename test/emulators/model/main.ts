// Standalone runner: `npx tsx test/emulators/model/main.ts [--port N]` prints the base URL on one line
// and serves until interrupted.

import { startModelEmulator } from './emulator-server.js';

function portArg(argv: string[]): number | undefined {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--port='))?.slice('--port='.length);
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${raw}`);
  return port;
}

const keys = process.env['EMULATOR_API_KEYS']?.split(',').filter((k) => k !== '');
const emulator = await startModelEmulator({ port: portArg(process.argv.slice(2)), ...(keys ? { apiKeys: keys } : {}) });
process.stdout.write(`${emulator.baseUrl}\n`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
