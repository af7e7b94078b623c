/**
 * Implicit operator parameters as the DSL lists them: names (`<source>.<label>.<arg>`), labels
 * with `#n` for repeated kinds, defaults from the pipeline's literals, bound arguments, and the
 * same names the shard tasks compute from the compiled segments.
 */
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import { z } from 'zod';
import { defineOperator, isPipeline, param, pipeline, type Pipeline } from '../../infra/dsl';
import { implicitParamsOf, implicitUsesOf } from '../../core/implicit-params';
import { stageLayoutOf } from '../../infra/compiler';
import { implicitPrefixes, withImplicitArgs } from '../../core/implicit-args';
import { ops } from '../../core/ops';

const threshold = defineOperator({
  kind: 'example.threshold',
  fn: 'curate',
  description: 'custom operator with a described argument',
  params: z.strictObject({
    level: z.number().min(0).max(1).default(0.5).describe('Keep above this level'),
    tags: z.array(z.string()).default([]),
  }),
  reasons: ['low'],
  create: () => ({ process: (sample) => ({ keep: true, sample }) }),
});

const demo = pipeline('implicit-dsl', (p) =>
  p
    .params({ minWords: param.integer({ default: 2, min: 0, max: 10 }) })
    .source('web', { uri: 'inputs/web' }, (s, params) =>
      s
        .apply(ops.text.length, { minWords: params.minWords })
        .dedup({ mode: 'exact' })
        .apply(ops.dedup.exact, { of: 'text' })
        .apply(ops.text.length, { minChars: 12 })
        .apply(threshold, { level: 0.25 })
        .apply(ops.caption.generate, { model: 'models/captioner', maxNewTokens: 20 }),
    ),
);

describe('implicitParamsOf', () => {
  const params = implicitParamsOf(demo.graph, demo.operators);
  const byName = Object.fromEntries(params.map((p) => [p.name, p]));

  it('names every scalar argument <source>.<label>.<arg>, in chain order', () => {
    expect(implicitUsesOf(demo.graph).map((u) => u.name)).toEqual([
      'web.text.length',
      // .dedup() is named as its filter (dedup.exact), so the next dedup.exact is #2.
      'web.dedup.exact',
      'web.dedup.exact#2',
      'web.text.length#2',
      'web.example.threshold',
      'web.caption.generate',
    ]);
    expect(params.map((p) => p.name)).toEqual([
      'web.text.length.minWords',
      'web.text.length.minChars',
      'web.text.length.maxWords',
      'web.text.length.maxChars',
      // Its mode's arguments only, never mode (it shapes the compiled stages).
      'web.dedup.exact.partitions',
      'web.dedup.exact#2.of',
      'web.text.length#2.minWords',
      'web.text.length#2.minChars',
      'web.text.length#2.maxWords',
      'web.text.length#2.maxChars',
      // tags is an array: not a run parameter.
      'web.example.threshold.level',
      'web.caption.generate.model',
      'web.caption.generate.batchSize',
      'web.caption.generate.maxNewTokens',
      'web.caption.generate.numBeams',
      'web.caption.generate.policy',
    ]);
  });

  it("defaults to the pipeline's literal, else the operator's default, else unset", () => {
    expect(byName['web.text.length#2.minChars']).toEqual({
      name: 'web.text.length#2.minChars',
      stage: 'web',
      op: 'text.length',
      label: 'text.length#2',
      arg: 'minChars',
      schema: { type: 'integer', minimum: 0, default: 6 },
      default: 12,
    });
    expect(byName['web.text.length#2.minWords']?.default).toBe(3);
    expect(byName['web.text.length#2.maxWords']).not.toHaveProperty('default');
    expect(byName['web.example.threshold.level']?.schema).toEqual({
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'Keep above this level',
    });
    expect(byName['web.caption.generate.policy']).toMatchObject({
      schema: { type: 'string', enum: ['replace', 'keep_both'] },
      default: 'replace',
    });
    expect(byName['web.caption.generate.model']?.default).toBe('models/captioner');
  });

  it('marks arguments bound to a declared parameter instead of giving them a default', () => {
    expect(byName['web.text.length.minWords']).toMatchObject({ boundTo: 'minWords' });
    expect(byName['web.text.length.minWords']).not.toHaveProperty('default');
  });

  it('skips uses of operators it is not given', () => {
    const builtinsOnly = demo.operators.filter((d) => d.kind !== threshold.kind);
    expect(implicitParamsOf(demo.graph, builtinsOnly).map((p) => p.name)).not.toContain(
      'web.example.threshold.level',
    );
  });
});

describe('the names shard tasks compute from the compiled segments', () => {
  const root = path.join(__dirname, '..', '..');
  const files = [
    ...readdirSync(path.join(root, 'pipelines'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(root, 'pipelines', f)),
    ...['two-sources', 'dedup-run', 'custom-op'].map((f) =>
      path.join(root, 'test', 'fixtures', 'pipelines', `${f}.ts`),
    ),
  ];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (file: string) => (require(file) as { default: unknown }).default;
  const all: [string, Pipeline][] = [
    ['implicit-dsl', demo],
    ...files.flatMap((file): [string, Pipeline][] => {
      const p = load(file);
      return isPipeline(p) ? [[path.basename(file), p]] : [];
    }),
  ];

  it.each(all)('%s: equal the DSL names, use by use', (_file, p) => {
    const listed = implicitUsesOf(p.graph).map((u) => u.name);
    const atRuntime = p.graph.sources.flatMap((source) => {
      const flat = implicitPrefixes(source.name, stageLayoutOf(source).segments).flat();
      // The stage's ops in order, each .dedup() as its filter.
      return flat;
    });
    expect(atRuntime).toEqual(listed);
  });
});

describe('withImplicitArgs', () => {
  const use = { op: 'image.size', fn: 'curate' as const, args: { minSide: 64 } };

  it('replaces the arguments given for this prefix only', () => {
    const params = {
      minWords: 3,
      'web.image.size.minSide': 100,
      'web.image.size#2.minSide': 7,
      'web.image.size.x.y': 1,
    };
    expect(withImplicitArgs(use, 'web.image.size', params)).toEqual({
      use: { ...use, args: { minSide: 100 } },
      applied: ['web.image.size.minSide'],
    });
    expect(withImplicitArgs(use, 'web.image.resize', params)).toEqual({ use, applied: [] });
  });
});
