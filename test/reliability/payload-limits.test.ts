/**
 * Nothing passed between states may exceed Step Functions' 256 KB: the compiled templates are
 * small (checked at compile time over every pipeline), and the local runner fails a run, as AWS
 * would, when any state's input or output, or a Lambda payload, passes the limit.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile } from '../../infra/compiler';
import type { Pipeline } from '../../infra/dsl';
import { isJsonObject, type JsonValue } from '../../infra/local/asl';
import { STATE_DATA_LIMIT_BYTES, stateDataBytes } from '../../infra/local/lambda-invoke';
import { runLocal } from '../../infra/local/runner';

/** Far under the limit: a template's size plus the run's small fields must stay under 256 KB. */
const TEMPLATE_BUDGET_BYTES = 16 * 1024;
const TEMPLATE_FIELDS = ['Parameters', 'ItemSelector', 'ResultSelector', 'Payload'];

const PIPELINE_DIRS = [
  path.resolve(__dirname, '..', '..', 'pipelines'),
  path.resolve(__dirname, '..', 'fixtures', 'pipelines'),
  path.resolve(__dirname, 'fixtures'),
];

function pipelines(): [string, Pipeline][] {
  return PIPELINE_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(path.join(dir, file)) as { default?: Pipeline };
        return [file, mod.default] as const;
      })
      .filter((entry): entry is [string, Pipeline] => entry[1] !== undefined),
  );
}

function templates(value: JsonValue, where: string, out: [string, JsonValue][] = []) {
  if (Array.isArray(value)) value.forEach((item, i) => templates(item, `${where}[${i}]`, out));
  else if (isJsonObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (TEMPLATE_FIELDS.includes(key)) out.push([`${where}.${key}`, child]);
      templates(child, `${where}.${key}`, out);
    }
  }
  return out;
}

describe('compiled definitions', () => {
  const all = pipelines();
  it('finds the pipelines', () => expect(all.length).toBeGreaterThanOrEqual(3));

  it.each(all)(
    '%s: every Parameters/ItemSelector/ResultSelector/Payload template is small',
    (_, p) => {
      const found = templates(compile(p.graph).definition as unknown as JsonValue, '$');
      expect(found.length).toBeGreaterThan(0);
      const large = found.filter(([, t]) => stateDataBytes(t) > TEMPLATE_BUDGET_BYTES);
      expect(large.map(([where]) => where)).toEqual([]);
    },
  );
});

describe('the runtime guard', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-payload-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = (definition: JsonValue) =>
    runLocal({ definition, pipeline: { name: 'p', operators: [] }, dataRoot: dir });
  const blob = 'x'.repeat(STATE_DATA_LIMIT_BYTES);

  it('fails a run whose state output passes 256 KB', async () => {
    const result = await run({
      StartAt: 'Big',
      States: { Big: { Type: 'Pass', Result: { blob }, End: true } },
    });
    expect(result.error?.Error).toBe('States.DataLimitExceeded');
    expect(result.error?.Cause).toMatch(/^The output of state 'Big' has a size exceeding/);
  });

  it('fails a Lambda task whose payload passes 256 KB before the function runs', async () => {
    let called = false;
    const result = await runLocal({
      definition: {
        StartAt: 'Half',
        States: {
          Half: { Type: 'Pass', Result: { blob: blob.slice(0, 150 * 1024) }, Next: 'Mix' },
          Mix: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: {
              FunctionName: '${MixFunctionArn}',
              Payload: { 'a.$': '$.blob', 'b.$': '$.blob' },
            },
            End: true,
          },
        },
      },
      pipeline: { name: 'p', operators: [] },
      dataRoot: dir,
      handlers: { mix: () => (called = true) },
    });
    expect(result.error?.Error).toBe('States.DataLimitExceeded');
    expect(result.error?.Cause).toMatch(
      /^The input of the task invoking '[^']*vlmflow-mix' has a size/,
    );
    expect(called).toBe(false);
  });
});
