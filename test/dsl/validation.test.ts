import {
  defineOperator,
  DSL_ERROR_CODES,
  DslError,
  param,
  pipeline,
  PipelineValidationError,
} from '../../infra/dsl';
import { ops } from '../../core/ops';
import { captionBlocklist } from '../fixtures/pipelines/custom-op';

function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (e) {
    if (e instanceof PipelineValidationError) return e.problems;
    throw e;
  }
  throw new Error('expected a PipelineValidationError');
}

function dslErrorOf(build: () => unknown): DslError {
  try {
    build();
  } catch (e) {
    if (e instanceof DslError) return e;
    throw e;
  }
  throw new Error('expected a DslError');
}

describe('pipeline definition', () => {
  it('builds a plain JSON graph with parameter references', () => {
    const p = pipeline('demo', (b) =>
      b
        .params({ minSide: param.integer({ default: 150, min: 1 }) })
        .source('web', { uri: 's3://bucket/web' }, (s, params) =>
          s.apply(ops.image.size, { minSide: params.minSide }),
        ),
    );
    expect(JSON.parse(JSON.stringify(p.graph))).toEqual(p.graph);
    expect(p.graph.sources[0]?.ops).toEqual([
      { op: 'image.size', fn: 'curate', args: { minSide: { $param: 'minSide' } } },
    ]);
    expect(p.graph.params.minSide).toEqual({ type: 'integer', default: 150, min: 1 });
    expect(p.graph.params.maxConcurrency?.default).toBe(40);
    expect(p.operators.map((o) => o.kind)).toEqual(['image.size']);
    expect(Object.isFrozen(p.graph)).toBe(true);
  });

  it('keeps builders immutable', () => {
    pipeline('immutable', (b) => {
      const base = b.source('web', { uri: 'inputs/web' }, (s) => s);
      const withMix = base.mix('m', { weights: { web: 1 } });
      expect(withMix).not.toBe(base);
      expect(base.build().graph.mixes).toHaveLength(0);
      return withMix;
    });
  });

  it('names pipeline, stage, operator and field for ill-typed operator arguments', () => {
    const problems = problemsOf(() =>
      pipeline('bad-args', (b) =>
        b.source('web', { uri: 'inputs/web' }, (s) =>
          s
            // @ts-expect-error minSide is a number
            .apply(ops.image.size, { minSide: 'big' })
            .apply(ops.text.length, { minWord: 3 } as never),
        ),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^pipeline "bad-args", stage "web", operator #1 image.size: minSide: .*number/i,
      ),
      'pipeline "bad-args", stage "web", operator #2 text.length: minWord: unknown argument (known: minWords, minChars, maxWords, maxChars)',
    ]);
  });

  it('checks a parameter default against the operator field it feeds', () => {
    const problems = problemsOf(() =>
      pipeline('bad-default', (b) =>
        b
          .params({
            side: param.integer({ default: 0, min: 0 }),
            label: param.string({ default: 'x' }),
          })
          .source('web', { uri: 'inputs/web' }, (s, params) =>
            // @ts-expect-error a string parameter cannot feed a number field
            s.apply(ops.image.resize, { longestEdge: params.side, quality: params.label }),
          ),
      ),
    );
    expect(problems.join('\n')).toContain(
      'operator #1 image.resize: longestEdge (default of parameter "side")',
    );
    expect(problems.join('\n')).toContain('quality (default of parameter "label")');
  });

  it('rejects defaults out of bounds, with the field named', () => {
    const e = dslErrorOf(() =>
      pipeline('bounds', (b) =>
        b.params({ minSide: param.integer({ default: 5, min: 10, max: 20 }) }),
      ),
    );
    expect(e.code).toBe(DSL_ERROR_CODES.invalidParam);
    expect(e.message).toBe('pipeline "bounds", params.minSide: default: 5 is below the minimum 10');
    expect(
      dslErrorOf(() =>
        pipeline('bounds', (b) => b.params({ r: param.number({ default: 0.5, min: 1, max: 0 }) })),
      ).message,
    ).toContain('min 1 is above max 0');
    expect(
      dslErrorOf(() =>
        pipeline('bounds', (b) =>
          b.params({ m: param.string({ default: 'c', enum: ['a', 'b'] as never }) }),
        ),
      ).message,
    ).toContain('"c" is not one of "a", "b"');
    expect(
      dslErrorOf(() => pipeline('bounds', (b) => b.settings({ toleratedFailurePercentage: 150 })))
        .message,
    ).toContain('settings.toleratedFailurePercentage: default: 150 is above the maximum 100');
  });

  it('rejects duplicate names', () => {
    const stage = dslErrorOf(() =>
      pipeline('dup', (b) =>
        b.source('web', { uri: 'a' }, (s) => s).source('web', { uri: 'b' }, (s) => s),
      ),
    );
    expect(stage.code).toBe(DSL_ERROR_CODES.duplicateName);
    expect(stage.message).toBe(
      'pipeline "dup", stage "web": a stage with this name already exists',
    );
    const p = dslErrorOf(() =>
      pipeline('dup', (b) =>
        b
          .params({ a: param.boolean({ default: true }) })
          .params({ a: param.boolean({ default: false }) }),
      ),
    );
    expect(p.message).toBe('pipeline "dup", params.a: parameter declared twice');
    expect(
      dslErrorOf(() =>
        pipeline('dup', (b) => b.params({ maxConcurrency: param.integer({ default: 1 }) })),
      ).message,
    ).toContain('is reserved');
  });

  it('rejects names Step Functions or S3 would reject', () => {
    for (const name of ['Has Space', 'a/b', 'x'.repeat(41), '9lives', 'naïve', 'a$b', '']) {
      expect(
        dslErrorOf(() => pipeline('ok', (b) => b.source(name, { uri: 'a' }, (s) => s))).code,
      ).toBe(DSL_ERROR_CODES.invalidName);
    }
    expect(dslErrorOf(() => pipeline('Bad Name', (b) => b)).message).toContain(
      'invalid pipeline name "Bad Name"',
    );
    expect(
      dslErrorOf(() => pipeline('ok', (b) => b.params({ 'a-b': param.integer({ default: 1 }) })))
        .message,
    ).toContain('invalid parameter name "a-b"');
  });

  it('reports dangling references', () => {
    const problems = problemsOf(() =>
      pipeline('dangling', (b) =>
        b
          .source('web', { uri: 'a' }, (s) =>
            s.apply(ops.image.size, { minSide: { $param: 'nope' } }),
          )
          // @ts-expect-error "docs" is not a dataset of this pipeline
          .mix('m', { weights: { web: 1, docs: 1 } })
          // @ts-expect-error "missing" is not a dataset of this pipeline
          .train('t', { dataset: 'missing' }),
      ),
    );
    expect(problems).toEqual([
      'pipeline "dangling", stage "web", operator #1 image.size: minSide: refers to unknown parameter "nope" (known: maxConcurrency, statsInJson, toleratedFailurePercentage)',
      'pipeline "dangling", stage "m", weights.docs: unknown dataset "docs" (defined before this stage: web)',
      'pipeline "dangling", stage "t", dataset: unknown dataset "missing" (known: web, m)',
    ]);
  });

  it('checks a multi-node train stage: node count, its parameter, and all stages alike', () => {
    const problems = problemsOf(() =>
      pipeline('nodes', (b) =>
        b
          .params({
            n: param.integer({ default: 2 }),
            ratio: param.number({ default: 0.5 }),
          })
          .source('web', { uri: 'a' }, (s) => s)
          .train('a', (p) => ({ dataset: 'web', nodes: p.n }))
          .train('b', (p) => ({ dataset: 'web', nodes: p.ratio }))
          .train('c', { dataset: 'web', nodes: 0 })
          .train('d', { dataset: 'web' }),
      ),
    );
    expect(problems).toEqual([
      'pipeline "nodes": train stages a, b, c set nodes and the others do not; set nodes on all of them (1 for a single node) or on none',
      'pipeline "nodes", stage "a", nodes: parameter "n" needs a minimum of at least 1',
      'pipeline "nodes", stage "b", nodes: parameter "ratio" is not an integer parameter',
      'pipeline "nodes", stage "c", nodes: expected an integer 1-1000, got 0',
    ]);
  });

  it('requires a source and rejects two operators with one kind', () => {
    expect(problemsOf(() => pipeline('empty', (b) => b))).toEqual([
      'pipeline "empty": no source; add one with .source()',
    ]);
    const twin = defineOperator({
      kind: captionBlocklist.kind,
      fn: 'curate',
      description: 'Another operator that took the same kind',
      params: captionBlocklist.params,
      reasons: ['blocked_word'],
      create: captionBlocklist.create,
    });
    expect(
      problemsOf(() =>
        pipeline('twins', (b) =>
          b.source('web', { uri: 'a' }, (s) =>
            s.apply(captionBlocklist).apply(twin as typeof captionBlocklist),
          ),
        ),
      ),
    ).toEqual([
      'pipeline "twins": two different operators are declared with kind "example.caption-blocklist"',
    ]);
  });

  it('records custom operators so handlers can build them', () => {
    const p = pipeline('custom', (b) =>
      b.source('web', { uri: 'a' }, (s) => s.apply(captionBlocklist, { words: ['spam'] })),
    );
    expect(p.operators).toEqual([captionBlocklist]);
    expect(p.graph.sources[0]?.ops[0]).toEqual({
      op: 'example.caption-blocklist',
      fn: 'curate',
      args: { words: ['spam'] },
    });
  });
});
