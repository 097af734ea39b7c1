// Entry of the Ogg Opus decode worker thread (ogg-opus-worker.ts) when it runs from the TypeScript sources (tests,
// bench): a worker starts with a fresh module loader, so it registers tsx before importing the TypeScript body.
// The build (dist/) starts ogg-opus-worker-thread.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./ogg-opus-worker-thread.ts');
