/**
 * The folder whose npm install holds vlmflow's dependencies, and so the node_modules the Lambda
 * bundles are built from: a checkout of vlmflow (its own package-lock.json; also when a project
 * links it as a `file:` dependency), or the project that installed vlmflow under its
 * node_modules, where npm hoists vlmflow's dependencies beside it. npm leaves package-lock.json
 * out of published packages, so the nearest one above vlmflow's folder is that install's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LOCK_FILE = 'package-lock.json';

export function installRootOf(packageRoot: string): string {
  const start = fs.realpathSync(packageRoot);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, LOCK_FILE))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(
        `no ${LOCK_FILE} in ${start} or a folder above it: install vlmflow with npm (npm ci in a checkout, npm install in a project), which writes one`,
      );
  }
}
