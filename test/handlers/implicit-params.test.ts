/**
 * Plan's check of implicit operator parameters (`<source>.<op label>.<arg>`): values validated
 * with the operator's own schema, unknown names with close matches, bound arguments refused,
 * only given values passed on; and the shard side applying them when it creates an operator.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { ImplicitOperator, PlanEvent } from '../../core/contracts';
import { closeMatches } from '../../core/close-matches';
import { resolveRunParams } from '../../core/run-params';
import { ParamError, type ParamSpec } from '../../core/params';
import { createPlanHandler, handler as plan } from '../../lambdas/handlers/plan';
import { builtinRegistry, imageSize, registryFrom } from '../../lambdas/ops/index';
import { defineOperator } from '../../core/ops/operator';
import { instantiate } from '../../lambdas/ops/instantiate';
import { validateOperatorUse } from '../../core/ops/validate-use';
import { joinUri } from '../../core/uri';
import { goodPair, tempDir, writeShard, type TempDir } from './helpers';

const specs: Record<string, ParamSpec> = {
  minWords: { type: 'integer', default: 2, min: 0, max: 10 },
};
const operators: ImplicitOperator[] = [
  { name: 'web.image.size', use: { op: 'image.size', fn: 'curate', args: { minSide: 64 } } },
  {
    name: 'web.text.length',
    use: { op: 'text.length', fn: 'curate', args: { minWords: { $param: 'minWords' } } },
  },
  { name: 'web.text.length#2', use: { op: 'text.length', fn: 'curate', args: { maxWords: 50 } } },
  { name: 'web.image.decode', use: { op: 'image.decode', fn: 'curate', args: {} } },
  { name: 'web.my.op', use: { op: 'my.op', fn: 'curate', args: { level: 1 } } },
];
const resolve = (given: unknown) => resolveRunParams(specs, given, operators, builtinRegistry);
const problemsOf = (given: unknown): readonly string[] => {
  try {
    resolve(given);
  } catch (error) {
    if (error instanceof ParamError) return error.problems;
    throw error;
  }
  return [];
};

describe('resolveRunParams', () => {
  it('passes on the declared parameters and only the implicit values given, sorted', () => {
    expect(resolve({})).toEqual({ minWords: 2 });
    expect(
      resolve({ 'web.text.length#2.maxWords': 3, minWords: 4, 'web.image.size.minSide': 100 }),
    ).toEqual({ minWords: 4, 'web.image.size.minSide': 100, 'web.text.length#2.maxWords': 3 });
  });

  it('validates a value with the operator schema, on the use as written', () => {
    expect(problemsOf({ 'web.image.size.minSide': -1 })).toEqual([
      'params.web.image.size.minSide: invalid for operator image.size (web.image.size): minSide: must be >= 0, received -1',
    ]);
    expect(problemsOf({ 'web.image.decode.verify': 'pixels' })).toEqual([
      'params.web.image.decode.verify: invalid for operator image.decode (web.image.decode): verify: expected one of "decode", "header", received "pixels"',
    ]);
    // The schema's refinement sees the whole use: both values given are named.
    expect(problemsOf({ 'web.image.size.minSide': 500, 'web.image.size.maxSide': 400 })).toEqual([
      'params.web.image.size.maxSide: invalid for operator image.size (web.image.size): maxSide: must be at least minSide',
    ]);
  });

  it('lists every problem at once, declared and implicit', () => {
    expect(
      problemsOf({ minWords: 11, 'web.text.length#2.maxWords': 'many', 'web.image.size.x': 1 }),
    ).toEqual([
      'params.minWords: 11 is above the maximum 10',
      'params.web.image.size.x: unknown parameter (known: minWords)',
      'params.web.text.length#2.maxWords: invalid for operator text.length (web.text.length#2): maxWords: expected number, received string',
    ]);
  });

  it('names close matches for an unknown name', () => {
    expect(problemsOf({ 'web.image.size.minSize': 1 })).toEqual([
      'params.web.image.size.minSize: unknown parameter (known: minWords) (close matches: web.image.size.minSide)',
    ]);
    expect(problemsOf({ 'image.size.maxSide': 1 })).toEqual([
      'params.image.size.maxSide: unknown parameter (known: minWords) (close matches: web.image.size.maxSide)',
    ]);
    // Arrays are not run parameters.
    expect(problemsOf({ 'web.image.decode.formats': 'jpeg' })[0]).toMatch(
      /^params\.web\.image\.decode\.formats: unknown parameter/,
    );
  });

  it('refuses an implicit name for an argument bound to a declared parameter', () => {
    expect(problemsOf({ 'web.text.length.minWords': 3 })).toEqual([
      'params.web.text.length.minWords: argument "minWords" of operator text.length (web.text.length) is bound to the pipeline parameter "minWords"; set params.minWords instead',
    ]);
  });

  it('accepts only scalars; leaves operators it does not know to the shard task', () => {
    expect(problemsOf({ 'web.image.size.minSide': [1] })).toEqual([
      'params.web.image.size.minSide: expected a number, string or boolean, got [1]',
    ]);
    expect(resolve({ 'web.my.op.level': 'anything' })).toEqual({
      minWords: 2,
      'web.my.op.level': 'anything',
    });
  });
});

describe('closeMatches', () => {
  it('finds near names and names that end with the one given', () => {
    expect(closeMatches('minsize', ['minSide', 'maxSide', 'web.x.minsize', 'longestEdge'])).toEqual(
      ['web.x.minsize', 'minSide'],
    );
    expect(closeMatches('zzz', ['minSide'])).toEqual([]);
  });
});

describe('applied when the shard task creates the operator', () => {
  const use = { op: 'image.size', fn: 'curate' as const, args: { minSide: 64 } };

  it('replaces the literal with the run value', () => {
    const params = { 'web.image.size.minSide': 100, 'web.image.size#2.minSide': 1 };
    expect(validateOperatorUse(use, builtinRegistry, params, 'web.image.size').args).toEqual({
      minSide: 100,
      maxSide: 20_000,
      maxAspectRatio: 3,
      minPixels: 0,
    });
    expect(validateOperatorUse(use, builtinRegistry, params).args).toMatchObject({ minSide: 64 });
  });

  it('names the run values when they make the use invalid', async () => {
    await expect(
      instantiate(
        use,
        registryFrom([imageSize]),
        { 'web.image.size.minSide': -3 },
        { runRoot: 'file:///tmp/x', shardKey: 's' },
        'web.image.size',
      ),
    ).rejects.toThrow(
      'image.size: minSide: must be >= 0, received -3; run parameters given: web.image.size.minSide=-3',
    );
  });
});

describe('plan with implicit parameters', () => {
  let dir: TempDir;
  let webUri: string;
  beforeAll(async () => {
    dir = await tempDir();
    webUri = joinUri(dir.uri, 'web');
    await writeShard(joinUri(webUri, 'shard-000.tar'), [await goodPair('000000')]);
  });
  afterAll(() => dir.remove());

  const level = defineOperator({
    kind: 'my.op',
    fn: 'curate',
    description: 'custom',
    params: z.strictObject({ level: z.number().max(5) }),
    reasons: ['low'],
    create: () => ({ process: (sample) => ({ keep: true, sample }) }),
  });
  const event = (params: Record<string, unknown>, executionName: string): PlanEvent => ({
    pipeline: 'demo',
    definitionHash: 'abc',
    version: '0.1.0',
    dataRoot: joinUri(dir.uri, 'data'),
    input: { params },
    executionName,
    paramSpecs: specs,
    sources: [{ name: 'web', uri: webUri, pattern: '*.tar' }],
    operators,
  });

  it('records the values given in params and lineage', async () => {
    const context = await plan(event({ 'web.image.size.minSide': 100 }, 'ok'));
    expect(context.params).toEqual({ minWords: 2, 'web.image.size.minSide': 100 });
    expect(context.lineage.params).toEqual(context.params);
  });

  it('fails before writing any manifest', async () => {
    await expect(plan(event({ 'web.image.size.minSide': -1 }, 'bad'))).rejects.toThrow(
      'invalid run parameters: params.web.image.size.minSide: invalid for operator image.size (web.image.size): minSide: must be >= 0, received -1',
    );
    expect(existsSync(path.join(dir.path, 'data', 'runs', 'demo', 'bad'))).toBe(false);
  });

  it("checks a pipeline's own operators with createPlanHandler", async () => {
    const withOwn = createPlanHandler([...builtinRegistry.values(), level]);
    await expect(withOwn(event({ 'web.my.op.level': 9 }, 'own'))).rejects.toThrow(
      'invalid run parameters: params.web.my.op.level: invalid for operator my.op (web.my.op): level: must be <= 5, received 9',
    );
  });
});
