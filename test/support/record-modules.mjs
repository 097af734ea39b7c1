// `node --import ./record-modules.mjs ...`: appends the URL of every module the ESM loader loads to the file named
// by RECORD_MODULES_TO, one a line (a test reads which packages a command pulled in). The hook runs on the loader's
// own thread, so it writes the file itself, synchronously.
import { register } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';

register(new URL('./record-modules-hooks.mjs', import.meta.url), { data: { file: process.env.RECORD_MODULES_TO } });
