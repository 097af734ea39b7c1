// Entry of the Ogg Opus decode worker thread (ogg-opus-worker.ts). A worker starts with a fresh module loader, so it
// registers tsx itself (as bin/livetranslate.js does for the main thread) before importing the TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./ogg-opus-worker-thread.ts');
