// Entry of a voice-encoder pool thread (voice-encoder-pool.ts) when it runs from the TypeScript sources (tests,
// bench): a worker starts with a fresh module loader, so it registers tsx before importing the TypeScript body.
// The build (dist/) starts voice-encoder-thread.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./voice-encoder-thread.ts');
