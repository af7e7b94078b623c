/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * caption.generate on real JPEGs through the fixture captioner (caption-tiny): both policies,
 * alt-text kept, the model and settings recorded, the same captions on every run and at every
 * batch size, greedy and beam search, fixed reasons, documents untouched.
 */
import { captionGenerate } from '../../lambdas/ops/caption-generate';
import type { Sample } from '../../core/ops/sample';
import { loadModelFolder } from '../../lambdas/models/cache';
import { releaseSessions } from '../../lambdas/models/session';
import { photo } from '../fixtures/images';
import { CAPTION_TINY, jsonOf, runLoop, scratch } from '../models/helpers';
import { instanceOf, kept, rejected, sampleOf } from './helpers';

let work: Awaited<ReturnType<typeof scratch>>;
let samples: Sample[];

beforeAll(async () => {
  work = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = work.dir;
  samples = await Promise.all(
    Array.from({ length: 6 }, async (_, i) =>
      sampleOf(
        {
          jpg: await photo(512, 512, { seed: 20 + i }),
          txt: `alt text ${i}`,
          json: JSON.stringify({ url: `https://example.com/${i}.jpg` }),
        },
        `c${i}`,
      ),
    ),
  );
});
afterAll(async () => {
  await releaseSessions();
  await work.remove();
});

const captionsOf = (out: readonly Sample[]) => out.map((s) => s.parts.txt!.toString('utf8'));

describe('caption.generate', () => {
  it('replace: txt becomes the caption, the original goes to alt_text, the model to caption_model', async () => {
    const op = await instanceOf(captionGenerate, { model: CAPTION_TINY, maxNewTokens: 12 });
    const out = (await op.processBatch!(samples)).map(kept);
    const sha256 = (await loadModelFolder(CAPTION_TINY)).manifestSha256;
    for (const [i, sample] of out.entries()) {
      const caption = sample.parts.txt!.toString('utf8');
      expect(caption).toMatch(/^\S+( \S+)*$/);
      expect(caption).not.toBe(`alt text ${i}`);
      expect(jsonOf(sample)).toEqual({
        url: `https://example.com/${i}.jpg`,
        alt_text: `alt text ${i}`,
        caption_model: {
          model: CAPTION_TINY,
          sha256,
          random_weights: true,
          max_new_tokens: 12,
          num_beams: 1,
        },
      });
      expect(sample.parts.jpg).toBe(samples[i]!.parts.jpg);
    }
  });

  it('keep_both: txt unchanged, the caption in json synthetic_caption', async () => {
    const replace = await instanceOf(captionGenerate, { model: CAPTION_TINY, maxNewTokens: 12 });
    const both = await instanceOf(captionGenerate, {
      model: CAPTION_TINY,
      maxNewTokens: 12,
      policy: 'keep_both',
    });
    const replaced = captionsOf((await replace.processBatch!(samples)).map(kept));
    const out = (await both.processBatch!(samples)).map(kept);
    expect(captionsOf(out)).toEqual(samples.map((_, i) => `alt text ${i}`));
    expect(out.map((s) => jsonOf(s).synthetic_caption)).toEqual(replaced);
    expect(out.map((s) => jsonOf(s).alt_text)).toEqual(samples.map(() => undefined));
  });

  it('keeps the first alt_text when a caption is replaced twice', async () => {
    const op = await instanceOf(captionGenerate, { model: CAPTION_TINY, maxNewTokens: 6 });
    const once = kept(await op.process(samples[0]!));
    const twice = kept(await op.process(once));
    expect(jsonOf(twice).alt_text).toBe('alt text 0');
  });

  it('replace: a source json alt_text that differs is kept as source_alt_text, never lost', async () => {
    const op = await instanceOf(captionGenerate, { model: CAPTION_TINY, maxNewTokens: 6 });
    const withSourceAlt = (alt: string) =>
      sampleOf(
        {
          jpg: samples[0]!.parts.jpg!,
          txt: 'the page caption',
          json: JSON.stringify({ url: 'https://example.com/a.jpg', alt_text: alt }),
        },
        'alt',
      );
    const differing = jsonOf(kept(await op.process(withSourceAlt('the img alt attribute'))));
    expect(differing).toMatchObject({
      alt_text: 'the page caption',
      source_alt_text: 'the img alt attribute',
    });
    const same = jsonOf(kept(await op.process(withSourceAlt('the page caption'))));
    expect(same.alt_text).toBe('the page caption');
    expect(same).not.toHaveProperty('source_alt_text');
  });

  it('replace after keep_both: the txt, still the original, becomes alt_text', async () => {
    const both = await instanceOf(captionGenerate, {
      model: CAPTION_TINY,
      maxNewTokens: 6,
      policy: 'keep_both',
    });
    const replace = await instanceOf(captionGenerate, { model: CAPTION_TINY, maxNewTokens: 6 });
    const out = kept(await replace.process(kept(await both.process(samples[2]!))));
    expect(jsonOf(out).alt_text).toBe('alt text 2');
    expect(jsonOf(out)).not.toHaveProperty('source_alt_text');
  });

  it('gives the same captions on every run and at batch sizes 1 and 4 (greedy and beam)', async () => {
    for (const numBeams of [1, 3]) {
      const runs: string[][] = [];
      for (const batchSize of [1, 4, 4]) {
        const op = await instanceOf(captionGenerate, {
          model: CAPTION_TINY,
          maxNewTokens: 10,
          numBeams,
          batchSize,
        });
        const { kept: out, result } = await runLoop(samples, [
          { op: 'caption.generate', instance: op },
        ]);
        expect(result).toMatchObject({ in: 6, kept: 6, rejected: {} });
        runs.push(captionsOf(out));
      }
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
    }
  });

  it('records beam settings in caption_model', async () => {
    const op = await instanceOf(captionGenerate, {
      model: CAPTION_TINY,
      maxNewTokens: 8,
      numBeams: 3,
    });
    const json = jsonOf(kept(await op.process(samples[0]!)));
    expect(json.caption_model).toMatchObject({ max_new_tokens: 8, num_beams: 3 });
  });

  it('rejects no_image, undecodable and invalid_json; passes documents through untouched', async () => {
    const op = await instanceOf(captionGenerate, { model: CAPTION_TINY, maxNewTokens: 5 });
    const doc = sampleOf(
      {
        json: JSON.stringify({ texts: ['intro', null], images: [null, 'https://x/1.jpg'] }),
        '1.jpg': samples[0]!.parts.jpg!,
      },
      'doc',
    );
    const outcomes = await op.processBatch!([
      sampleOf({ txt: 'words only' }, 'a'),
      sampleOf({ jpg: Buffer.from('GIF89a-but-not-really'), txt: 'x' }, 'b'),
      sampleOf({ jpg: samples[0]!.parts.jpg!, json: '"a string"' }, 'c'),
      doc,
      samples[1]!,
    ]);
    expect(outcomes.map(rejected)).toEqual([
      'no_image',
      'undecodable',
      'invalid_json',
      undefined,
      undefined,
    ]);
    expect(kept(outcomes[3]!)).toBe(doc);
    expect(jsonOf(kept(outcomes[4]!)).alt_text).toBe('alt text 1');
  });

  it('fails to create when the model folder lacks a required file, naming it', async () => {
    const { copyModel } = await import('../models/helpers');
    const { readFile, writeFile } = await import('node:fs/promises');
    const dir = await copyModel(CAPTION_TINY, work.dir, 'no-tokenizer');
    const sums = await readFile(`${dir}/SHA256SUMS`, 'utf8');
    await writeFile(
      `${dir}/SHA256SUMS`,
      sums
        .split('\n')
        .filter((line) => !line.endsWith('  tokenizer.json'))
        .join('\n'),
    );
    await expect(instanceOf(captionGenerate, { model: dir })).rejects.toThrow(
      `model file tokenizer.json of ${dir} is not listed in SHA256SUMS`,
    );
  });
});
