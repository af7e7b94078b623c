/**
 * The compiled shape of a run-scoped dedup: golden ASL of the fixture (checked by
 * asl-validator), the three maps in order, and definition-time checks of `.dedup()`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compile, renderDefinitionJson, renderMermaid, STATE_NAMES } from '../../infra/compiler';
import type { DistributedMapState, ParallelState, TaskState } from '../../infra/compiler/asl';
import { param, pipeline, PipelineValidationError } from '../../infra/dsl';
import { ops } from '../../core/ops';
import dedupRun from '../fixtures/pipelines/dedup-run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };

const GOLDEN = path.join(__dirname, '..', 'fixtures', 'pipelines', 'dedup-run.asl.json');

const single = pipeline('dedup-single', (p) =>
  p
    .params({ k: param.integer({ default: 3, min: 0, max: 15 }) })
    .source('web', { uri: 'inputs/web' }, (s, params) =>
      s
        .apply(ops.image.size, { minSide: 32 })
        .dedup({ mode: 'phash', maxDistance: params.k })
        .apply(ops.text.length),
    ),
);

describe('compiled run-scoped dedup', () => {
  const compiled = compile(dedupRun.graph);
  const json = renderDefinitionJson(compiled);

  it('matches its golden file (VLMFLOW_UPDATE_GOLDEN=1 rewrites it)', () => {
    if (process.env.VLMFLOW_UPDATE_GOLDEN === '1' || !existsSync(GOLDEN))
      writeFileSync(GOLDEN, json);
    expect(json).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it.each([
    ['two sources in a Parallel state', compiled.definition],
    ['one source', compile(single.graph).definition],
  ])('is valid ASL: %s', (_name, definition) => {
    const result = aslValidator(structuredClone(definition), { checkArn: false, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('runs Curate (+ hash) → Plan dedup → Resolve (per partition) → Filter (+ the rest) → Finalize', () => {
    const def = compile(single.graph).definition;
    const chain: string[] = [];
    for (let name: string | undefined = def.StartAt; name;) {
      chain.push(name);
      name = (def.States[name] as { Next?: string }).Next;
    }
    expect(chain).toEqual([
      'Plan',
      'Curate web',
      'Plan dedup web',
      'Resolve duplicates web',
      'Filter duplicates web',
      'Finalize web',
      'Summarize',
    ]);
    const curate = def.States['Curate web'] as DistributedMapState;
    expect(Object.keys(curate.ItemProcessor.States)).toEqual([
      'Curate web shard 1 of 3',
      'Hash web shard',
    ]);
    const hash = curate.ItemProcessor.States['Hash web shard'] as TaskState;
    expect(hash.Parameters).toEqual({
      FunctionName: '${DedupFunctionArn}',
      Payload: {
        action: 'hash',
        'task.$': '$',
        dedup: {
          segment: 1,
          name: 'web',
          prefix: 'web.dedup.phash',
          args: { mode: 'phash', maxDistance: { $param: 'k' } },
        },
      },
    });
    const resolve = def.States['Resolve duplicates web'] as DistributedMapState;
    expect(resolve.ItemReader.Parameters).toEqual({
      'Bucket.$': '$.dedup.web.manifest.Bucket',
      'Key.$': '$.dedup.web.manifest.Key',
    });
    expect(resolve.ToleratedFailurePercentage).toBe(0);
    const filter = def.States['Filter duplicates web'] as DistributedMapState;
    expect(Object.keys(filter.ItemProcessor.States)).toEqual([
      'Filter web shard',
      'Curate web shard 3 of 3',
    ]);
    expect(filter.ItemSelector['dedup.$']).toBe('$.dedup.web');
    expect(filter.ItemSelector.segments).toEqual([
      { fn: 'curate', ops: [{ op: 'image.size', fn: 'curate', args: { minSide: 32 } }] },
      { fn: 'curate', ops: [{ op: 'dedup.phash', fn: 'curate', args: { stage: 'web' } }] },
      { fn: 'curate', ops: [{ op: 'text.length', fn: 'curate', args: {} }] },
    ]);
    expect(compile(single.graph).substitutions).toContain('DedupFunctionArn');
  });

  it('keeps each source of a Parallel state in its own branch with its own maps', () => {
    const parallel = compiled.definition.States[STATE_NAMES.sources] as ParallelState;
    expect(parallel.Branches.map((b) => Object.keys(b.States))).toEqual(
      ['exact', 'near'].map((s) => [
        `Curate ${s}`,
        `Plan dedup ${s}`,
        `Resolve duplicates ${s}`,
        `Filter duplicates ${s}`,
        `Finalize ${s}`,
      ]),
    );
  });

  it('draws the barrier in the Mermaid graph', () => {
    expect(renderMermaid(single.graph)).toContain('dedup: hash (phash)');
  });
});

describe('.dedup() at definition time', () => {
  it('chains several run-scoped dedups in one source, each a barrier of its own', () => {
    const two = pipeline('x', (p) =>
      p.source('web', { uri: 'inputs/web' }, (s) =>
        s
          .dedup({ mode: 'frequency' })
          .apply(ops.text.length)
          .dedup({ mode: 'minhash' })
          .apply(ops.text.repetition),
      ),
    );
    const definition = compile(two.graph).definition;
    const result = aslValidator(structuredClone(definition), { checkArn: false, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(Object.keys(definition.States).slice(1, 9)).toEqual([
      'Curate web',
      'Plan dedup web',
      'Resolve duplicates web',
      'Filter duplicates web',
      'Plan dedup web_2',
      'Resolve duplicates web_2',
      'Filter duplicates web_2',
      'Finalize web',
    ]);
    const filter = definition.States['Filter duplicates web'] as DistributedMapState;
    expect(Object.keys(filter.ItemProcessor.States)).toEqual([
      'Filter web shard',
      'Curate web shard 2 of 4',
      'Hash web_2 shard',
    ]);
    const last = definition.States['Filter duplicates web_2'] as DistributedMapState;
    expect(Object.keys(last.ItemProcessor.States)).toEqual([
      'Filter web_2 shard',
      'Curate web shard 4 of 4',
    ]);
  });

  it('checks the arguments with the same schema as the handlers', () => {
    let error: unknown;
    try {
      pipeline('x', (p) =>
        p.source('web', { uri: 'inputs/web' }, (s) =>
          s.dedup({ mode: 'phash', maxDistance: 40, partitions: 0 }),
        ),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineValidationError);
    const problems = (error as PipelineValidationError).problems.join('\n');
    expect(problems).toContain('operator #1 dedup.run: maxDistance');
    expect(problems).toContain('operator #1 dedup.run: partitions');
  });

  it('types its options: modes are literal, maxDistance is phash only', () => {
    const build = () =>
      pipeline('x', (p) =>
        p.source('web', { uri: 'inputs/web' }, (s) => {
          // @ts-expect-error 'fuzzy' is not a mode
          s.dedup({ mode: 'fuzzy' });
          // @ts-expect-error maxDistance applies to phash only
          s.dedup({ mode: 'exact', maxDistance: 2 });
          // @ts-expect-error partitions is a number
          s.dedup({ mode: 'exact', partitions: '8' });
          return s.dedup({ mode: 'exact', partitions: 16 });
        }),
      );
    expect(build).not.toThrow();
  });
});
