/**
 * Imports and compiles every shipped pipeline, then prints (JSON) every module file the process
 * loaded. Run in a fresh process by definition-path.test.ts: jest's own module registry would
 * hide what Node loads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile } from '../../infra/compiler';
import { isPipeline } from '../../infra/dsl';

const root = path.resolve(__dirname, '..', '..');
const pipelinesDir = path.join(root, 'pipelines');
const compiled: string[] = [];
for (const file of fs
  .readdirSync(pipelinesDir)
  .filter((f) => f.endsWith('.ts'))
  .sort()) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = (require(path.join(pipelinesDir, file)) as { default?: unknown }).default;
  if (!isPipeline(exported)) throw new Error(`${file}: default export is not a pipeline`);
  compile(exported.graph);
  compiled.push(file);
}
process.stdout.write(
  JSON.stringify({
    compiled,
    loaded: Object.keys(require.cache).map((file) => path.relative(root, file)),
  }),
);
