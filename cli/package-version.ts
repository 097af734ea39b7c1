import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in livetranslate's package.json, found by walking up from this module: the same answer from the
 * sources (cli/) and from the build (dist/cli/).
 */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'livetranslate' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error('package.json of livetranslate not found');
  }
}
