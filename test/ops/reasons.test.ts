/**
 * Reject reasons are a literal union the type checker enforces: an implementation can only
 * reject with its declaration's reasons. The `@ts-expect-error` lines are the test (tsc fails
 * when one of them compiles); jest checks that the accepted ones run.
 */
import { z } from 'zod';
import {
  declareOperator,
  defineOperator,
  implementOperator,
  keep,
  reject,
} from '../../core/ops/operator';
import { imageSize } from '../../core/ops/image-size';
import { ctx, sampleOf } from './helpers';

const short = declareOperator({
  kind: 'test.short',
  fn: 'curate',
  description: 'Rejects samples without a txt member',
  params: z.strictObject({}),
  reasons: ['missing'],
});

describe('reject reasons', () => {
  it('accept the declaration reasons and refuse others at compile time', async () => {
    const implemented = implementOperator(short, {
      create: () => ({
        process: (sample) => (sample.parts.txt ? keep(sample) : reject('missing', 'no txt')),
      }),
    });
    // @ts-expect-error 'typo' is not a reason of test.short
    implementOperator(short, { create: () => ({ process: () => reject('typo') }) });
    const typo = { keep: false, reason: 'typo' } as const;
    // @ts-expect-error nor as a plain outcome
    implementOperator(short, { create: () => ({ process: () => typo }) });
    // @ts-expect-error image.size has no reason 'too_blurry'
    implementOperator(imageSize, { create: () => ({ process: () => reject('too_blurry') }) });
    defineOperator({
      kind: 'test.inline',
      fn: 'curate',
      description: 'Declared and implemented in one piece',
      params: z.strictObject({}),
      reasons: ['missing'],
      // @ts-expect-error an inline operator's reasons come from `reasons` only
      create: () => ({ process: () => reject('typo') }),
    });

    const instance = await implemented.create({}, ctx);
    expect(await instance.process(sampleOf({ jpg: 'x' }))).toEqual({
      keep: false,
      reason: 'missing',
      detail: 'no txt',
    });
    expect(implemented.declaration).toBe(short);
  });
});
