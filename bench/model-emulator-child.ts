// The model emulator in a process of its own, for benchmarks that measure the bot's event loop (main-thread.ts):
// `tsx bench/model-emulator-child.ts '<ModelEmulatorOptions as JSON>'` prints the base URL on one line and serves
// until stdin closes or it is signalled.
import { startModelEmulator } from '../test/emulators/model/index.js';

const emulator = await startModelEmulator(JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startModelEmulator>[0]);
process.stdout.write(`${emulator.baseUrl}\n`);
const stop = (): void => void emulator.close().then(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
