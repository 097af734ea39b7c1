// A faithful local emulator of qwen3-livetranslate-flash's OpenAI-compatible streaming API, for tests.
// It carries its own copy of the documented rules and does not import from src/.
//
//   const emu = await startModelEmulator();
//   const client = new OpenAI({ apiKey: 'test-key', baseURL: emu.baseUrl, maxRetries: 0 });
//   emu.inject({ kind: 'status', status: 429 });       // next request answers 429
//   emu.configure({ fragmentMode: 'unaligned' });      // change what successes contain
//
// A separate process can drive it: `npx tsx test/emulators/model/main.ts [--port N]` prints the base URL;
// then POST /__emulator/inject (a Fault or an array of them), POST /__emulator/configure (ResponseOptions),
// POST /__emulator/reset, GET /__emulator/requests.

export { startModelEmulator } from './emulator-server.js';
export { LANGUAGES, MODELS, PCM_SAMPLE_RATE, VOICES } from './service-rules.js';
export {
  DEFAULT_RESPONSE_OPTIONS,
  type Fault,
  type FragmentMode,
  type ModelEmulator,
  type RecordedInput,
  type RecordedRequest,
  type ResponseOptions,
  type StartOptions,
} from './types.js';
