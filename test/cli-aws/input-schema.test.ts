/**
 * The execution input's JSON Schema, checked with a JSON Schema validator (ajv, draft 2020-12),
 * and the same wrong inputs failing in Plan with the field and the allowed values named.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { compile } from '../../infra/compiler';
import { exampleInput, renderInputSchema } from '../../infra/compiler/input-schema';
import { discoverPipelines } from '../../infra/cdk/discover-pipelines';
import type { PlanEvent } from '../../core/contracts';
import { handler as plan } from '../../lambdas/handlers/plan';
import { PROJECT_ROOT } from '../cdk/helpers';

const PAIRS_BASIC = discoverPipelines(path.join(PROJECT_ROOT, 'pipelines')).find(
  ({ pipeline }) => pipeline.name === 'pairs-basic',
);
if (!PAIRS_BASIC) throw new Error('pipelines/pairs-basic.ts is missing');
const graph = PAIRS_BASIC.pipeline.graph;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(renderInputSchema(graph));

describe('renderInputSchema(pairs-basic)', () => {
  test('accepts {} and an input with every field', () => {
    expect(validate({})).toBe(true);
    expect(validate({ ...exampleInput(graph), maxShards: 2 })).toBe(true);
  });

  test.each([
    [{ params: { minSide: 0 } }, '/params/minSide', 'must be >= 1'],
    [{ params: { minSide: 2.5 } }, '/params/minSide', 'must be integer'],
    [{ params: { minsize: 3 } }, '/params', 'must NOT have additional properties'],
    [{ inputs: { web: 's3://b/p' } }, '/inputs', 'must NOT have additional properties'],
    [{ runId: 'a/b' }, '/runId', 'must match pattern "^[A-Za-z0-9._-]{1,80}$"'],
    [{ runId: '..' }, '/runId', 'must NOT be valid'],
    [{ maxShards: 0 }, '/maxShards', 'must be >= 1'],
  ])('rejects %j at %s: %s', (input, where, message) => {
    expect(validate(input)).toBe(false);
    expect(validate.errors?.map((e) => [e.instancePath, e.message])).toContainEqual([
      where,
      message,
    ]);
  });

  test('parameters carry type, default, bounds and description', () => {
    expect(renderInputSchema(graph).properties?.params?.properties?.minSide).toEqual({
      type: 'integer',
      default: 200,
      minimum: 1,
      maximum: 10000,
      description: 'Smallest shorter side, px',
    });
  });

  test('an enum parameter lists its values', () => {
    const withEnum = {
      ...graph,
      params: {
        ...graph.params,
        mode: { type: 'string', default: 'a', enum: ['a', 'b'] } as const,
      },
    };
    expect(renderInputSchema(withEnum).properties?.params?.properties?.mode).toEqual({
      type: 'string',
      default: 'a',
      enum: ['a', 'b'],
    });
  });

  test('docs/deploy.md shows a schema of pairs-basic (regenerate: npx vlmflow schema pairs-basic)', () => {
    const docs = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/deploy.md'), 'utf8');
    const block = /```json\n(\{\n {2}"\$schema"[\s\S]*?\n\})\n```/.exec(docs)?.[1];
    const shown = JSON.parse(block ?? '{}') as ReturnType<typeof renderInputSchema>;
    const current = renderInputSchema(graph);
    expect(shown.$id).toBe(current.$id);
    expect(Object.keys(shown.properties ?? {})).toEqual(['runId', 'params', 'inputs', 'maxShards']);
    expect(shown.properties?.params?.properties?.minSide).toEqual(
      current.properties?.params?.properties?.minSide,
    );
  });
});

describe('a wrong console input fails in Plan, naming the field and the allowed values', () => {
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-plan-input-'));
  afterAll(() => fs.rmSync(dataRoot, { recursive: true, force: true }));

  /** Plan's payload exactly as the compiled definition builds it, for a given execution input. */
  function planEvent(input: unknown): PlanEvent {
    const compiled = compile(graph);
    const state = compiled.definition.States.Plan as unknown as {
      Parameters: { Payload: Record<string, unknown> };
    };
    const payload = Object.fromEntries(
      Object.entries(state.Parameters.Payload).filter(([key]) => !key.endsWith('.$')),
    );
    return {
      ...payload,
      dataRoot: `file://${dataRoot}`,
      input,
      executionName: 'console-run',
    } as unknown as PlanEvent;
  }

  test.each([
    [{ params: { minSide: 0 } }, 'params.minSide: 0 is below the minimum 1'],
    [{ params: { longestEdge: 9000 } }, 'params.longestEdge: 9000 is above the maximum 8192'],
    [{ params: { minSide: '200' } }, 'params.minSide: expected an integer, got "200"'],
    [
      { params: { minsize: 3 } },
      `params.minsize: unknown parameter (known: ${Object.keys(graph.params).join(', ')})`,
    ],
    [{ inputs: { web: 's3://b/p' } }, 'inputs.web: unknown source "web" (known: pairs)'],
    [{ maxShards: 0 }, 'maxShards: expected a positive integer, got 0'],
  ])('%j → %s', async (input, message) => {
    await expect(plan(planEvent(input))).rejects.toThrow(message);
  });
});
