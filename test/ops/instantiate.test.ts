import { z } from 'zod';
import { BUILTIN_OPERATORS, builtinRegistry, registryFrom } from '../../lambdas/ops/index';
import { instantiate } from '../../lambdas/ops/instantiate';
import { ops } from '../../core/ops';
import { OperatorConfigError, validateOperatorUse } from '../../core/ops/validate-use';
import { defineOperator, type OperatorUse } from '../../core/ops/operator';
import { ctx, sampleOf } from './helpers';

/** The message validateOperatorUse throws, or undefined. */
function problem(use: OperatorUse, params: Record<string, unknown> = {}): string | undefined {
  try {
    validateOperatorUse(use, builtinRegistry, params);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(OperatorConfigError);
    return (error as Error).message;
  }
}

describe('ops and the registry', () => {
  it('calls produce plain IR uses', () => {
    expect(ops.image.size({ minSide: 150, maxAspectRatio: { $param: 'aspect' } })).toEqual({
      op: 'image.size',
      fn: 'curate',
      args: { minSide: 150, maxAspectRatio: { $param: 'aspect' } },
    });
    expect(JSON.parse(JSON.stringify(ops.text.length()))).toEqual({
      op: 'text.length',
      fn: 'curate',
      args: {},
    });
  });

  it('lists every built-in operator by kind, each with its reasons', () => {
    expect(Object.keys(BUILTIN_OPERATORS).sort()).toEqual([
      'caption.generate',
      'dedup.exact',
      'dedup.phash',
      'doc.filter',
      'doc.split',
      'doc.textDensity',
      'image.blur',
      'image.decode',
      'image.low_information',
      'image.resize',
      'image.size',
      'model.classify',
      'model.clip_score',
      'optout',
      'text.flagged_words',
      'text.language',
      'text.length',
      'text.repetition',
      'text.special_chars',
      'text.utf8',
    ]);
    expect([...builtinRegistry.keys()].sort()).toEqual(Object.keys(BUILTIN_OPERATORS).sort());
    expect(BUILTIN_OPERATORS['image.size'].reasons).toContain('bad_aspect_ratio');
    const modelOps = new Set(['model.classify', 'model.clip_score', 'caption.generate']);
    for (const decl of Object.values(BUILTIN_OPERATORS)) {
      // Model operators run in the caption function and must be told which model to load.
      expect(decl.fn).toBe(modelOps.has(decl.kind) ? 'caption' : 'curate');
      expect(decl.params.safeParse({}).success).toBe(!modelOps.has(decl.kind));
    }
  });

  it('refuses two declarations of one kind', () => {
    const twin = defineOperator({
      kind: 'image.size',
      fn: 'curate',
      description: 'a second image.size',
      params: z.object({}),
      reasons: ['nope'],
      create: () => ({ process: () => ({ keep: false, reason: 'nope' }) }),
    });
    expect(() => registryFrom([ops.image.size, twin])).toThrow(
      'operator "image.size" is declared twice',
    );
  });
});

describe('validateOperatorUse', () => {
  it('applies defaults and resolves parameter references', () => {
    const { args } = validateOperatorUse(
      ops.image.size({ minSide: { $param: 'minSide' } }),
      builtinRegistry,
      { minSide: 150 },
    );
    expect(args).toEqual({ minSide: 150, maxSide: 20_000, maxAspectRatio: 3, minPixels: 0 });
  });

  it.each([
    [
      ops.image.size({ minSide: '200' as unknown as number }),
      {},
      'image.size: minSide: expected number, received string',
    ],
    [
      ops.image.size({ minSide: { $param: 'side' } }),
      { side: 'big' },
      'image.size: minSide: expected number, received string',
    ],
    [
      ops.image.size({ minSide: 1.5 }),
      {},
      'image.size: minSide: expected an integer, received 1.5',
    ],
    [
      ops.image.size({ maxAspectRatio: 0.5 }),
      {},
      'image.size: maxAspectRatio: must be >= 1, received 0.5',
    ],
    [
      ops.image.size({ minSide: 300, maxSide: 200 }),
      {},
      'image.size: maxSide: must be at least minSide',
    ],
    [ops.image.resize({ quality: 101 }), {}, 'image.resize: quality: must be <= 100, received 101'],
    [
      ops.image.resize({ mode: 'fit_box' }),
      {},
      'image.resize: width: required in fit_box mode; height: required in fit_box mode',
    ],
    [
      ops.image.resize({ format: 'gif' as 'png' }),
      {},
      'image.resize: format: expected one of "jpeg", "webp", "png", received "gif"',
    ],
    [
      ops.image.decode({ formats: [] }),
      {},
      'image.decode: formats: must be >= 1 items, received []',
    ],
    [
      ops.image.decode({ formats: ['jpeg', 'bmp' as 'png'] }),
      {},
      'image.decode: formats[1]: expected one of "jpeg", "png", "webp", "gif", "tiff", "avif", "heif", "jp2", "jxl", "svg", received "bmp"',
    ],
    [
      { op: 'text.length', fn: 'curate', args: { minword: 3, max_chars: 9 } },
      {},
      'text.length: minword: unknown argument (known: minWords, minChars, maxWords, maxChars); max_chars: unknown argument (known: minWords, minChars, maxWords, maxChars)',
    ],
    [
      ops.text.length({ minWords: { $param: 'words' } }),
      { side: 1 },
      'text.length: minWords: refers to unknown parameter "words" (known: side)',
    ],
    [
      { op: 'text.lenght', fn: 'curate', args: {} },
      {},
      `text.lenght: op: unknown operator (known: ${Object.keys(BUILTIN_OPERATORS).sort().join(', ')})`,
    ],
    [
      { op: 'text.length', fn: 'caption', args: {} },
      {},
      'text.length: fn: expected "curate", received "caption"',
    ],
  ] as const)('%j with %j → %s', (use, params, message) => {
    expect(problem(use, params)).toBe(message);
  });

  it('lists every problem and keeps them as a list', () => {
    try {
      validateOperatorUse(
        ops.image.size({ minSide: -1, maxSide: 'x' as unknown as number }),
        builtinRegistry,
        {},
      );
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(OperatorConfigError);
      expect((error as OperatorConfigError).op).toBe('image.size');
      expect((error as OperatorConfigError).problems).toEqual([
        'minSide: must be >= 0, received -1',
        'maxSide: expected number, received string',
      ]);
    }
  });
});

describe('instantiate', () => {
  it('creates a working instance from validated arguments', async () => {
    const op = await instantiate(
      ops.text.length({ minWords: { $param: 'words' } }),
      builtinRegistry,
      { words: 4 },
      ctx,
    );
    expect(await op.process(sampleOf({ txt: 'a red old bicycle' }))).toMatchObject({ keep: true });
    expect(await op.process(sampleOf({ txt: 'a red bicycle' }))).toEqual({
      keep: false,
      reason: 'too_short',
      detail: '3 words, 13 chars',
      stats: { words: 3, chars: 13 },
    });
  });

  it('throws the same OperatorConfigError as validation', async () => {
    await expect(
      instantiate(ops.image.size({ minSide: -5 }), builtinRegistry, {}, ctx),
    ).rejects.toThrow('image.size: minSide: must be >= 0, received -5');
  });
});

describe('argument types', () => {
  it('come from the schema (checked by tsc)', () => {
    // @ts-expect-error minSide is a number
    ops.image.size({ minSide: '200' });
    // @ts-expect-error no such argument
    ops.image.size({ minside: 200 });
    // @ts-expect-error not a resize mode
    ops.image.resize({ mode: 'stretch' });
    // @ts-expect-error not a format image.decode knows
    ops.image.decode({ formats: ['bmp'] });
    expect(ops.image.size({ minSide: { $param: 'side' } }).args).toEqual({
      minSide: { $param: 'side' },
    });
  });
});
