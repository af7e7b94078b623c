/** The layer boundaries are enforced by eslint (eslint.config.mjs): a forbidden import fails lint. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const PROJECT_NODE = path.join(ROOT, 'node_modules', '.bin', 'node');

const FORBIDDEN: readonly (readonly [file: string, source: string])[] = [
  ['infra/compiler/probe.ts', "import { imageSize } from '../../lambdas/ops/image-size';"],
  ['infra/dsl/probe.ts', "import { storageFor } from '../../lambdas/shards/storage';"],
  ['infra/cdk/probe.ts', "import { handler } from '../../lambdas/handlers/plan';"],
  ['pipelines/probe.ts', "import { ops } from '../lambdas/ops';"],
  ['core/probe.ts', "import { pipeline } from '../infra/dsl';"],
  ['core/ops/probe.ts', "import sharp from 'sharp';"],
  ['lambdas/handlers/probe.ts', "import { compile } from '../../infra/compiler';"],
  ['lambdas/ops/probe.ts', "import { Stack } from 'aws-cdk-lib';"],
  ['infra/local/probe.ts', "import { handler } from '../../lambdas/handlers/finalize';"],
  ['templates/project/pipelines/probe.ts', "import { ops } from '../../../core/ops';"],
  ['templates/project/operators/probe.ts', "import { z } from 'zod';"],
];
const ALLOWED: readonly (readonly [file: string, source: string])[] = [
  ['core/probe.ts', "import { z } from 'zod';"],
  ['core/ops/probe.ts', "import { LAMBDA_FUNCTIONS } from '../functions';"],
  ['pipelines/probe.ts', "import { ops } from '../core/ops';"],
  ['infra/compiler/probe.ts', "import { PLACEHOLDERS } from '../../core/placeholders';"],
  ['infra/local/probe.ts', "import { storageFor } from '../../lambdas/shards/storage';"],
  ['lambdas/ops/probe.ts', "import { imageSize } from '../../core/ops/image-size';"],
  ['templates/project/pipelines/probe.ts', "import { z } from 'vlmflow';"],
  [
    'templates/project/test/probe.ts',
    "import { captionBlocklist } from '../operators/caption-blocklist';",
  ],
];

/** The name an import binds: the probe uses it, so no other rule fires. */
const probe = ([file, source]: readonly [string, string]) => ({
  file,
  source: `${source}\nexport const used = [${/import \{?\s*(\w+)/.exec(source)![1]}];\n`,
});

describe('layer boundaries', () => {
  const cases = [...FORBIDDEN, ...ALLOWED];
  const messages = JSON.parse(
    execFileSync(
      fs.existsSync(PROJECT_NODE) ? PROJECT_NODE : process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'lint-probe.ts')],
      { cwd: ROOT, encoding: 'utf8', input: JSON.stringify(cases.map(probe)) },
    ),
  ) as string[][];

  it.each(FORBIDDEN.map((c, i) => [...c, i] as const))('%s: %s fails lint', (_f, _s, i) => {
    expect(messages[i]).toHaveLength(1);
  });

  it.each(ALLOWED.map((c, i) => [...c, FORBIDDEN.length + i] as const))(
    '%s: %s passes',
    (_f, _s, i) => {
      expect(messages[i]).toEqual([]);
    },
  );
});
