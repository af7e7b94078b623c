import { docFilter } from '../../lambdas/ops/doc-filter';
import { documentImages, documentOf, type DocumentJson } from '../../lambdas/ops/document';
import { imageSize } from '../../lambdas/ops/image-size';
import { textLength } from '../../lambdas/ops/text-length';
import { photo } from '../fixtures/images';
import { instanceOf, kept, processUnchanged, sampleOf } from './helpers';

const TEXT = 'one two three four five six seven eight nine ten eleven';

async function doc(sizes: [number, number][], texts = [TEXT]) {
  const parts: Record<string, Buffer | string> = {};
  const json = {
    url: 'https://pages.example/p',
    texts: [...texts] as (string | null)[],
    images: texts.map(() => null) as (string | null)[],
  };
  for (const [i, [w, h]] of sizes.entries()) {
    json.texts.push(null);
    json.images.push(`https://img.example/${i}.jpg`);
    parts[`${json.texts.length - 1}.jpg`] = await photo(w, h, { seed: i + 1 });
  }
  return sampleOf({ ...parts, json: JSON.stringify(json) }, 'doc-1');
}

describe('documents', () => {
  it('recognises a document by its json lists, and lists its images by position', async () => {
    const sample = await doc([
      [300, 200],
      [250, 250],
    ]);
    expect(documentOf(sample)?.texts).toEqual([TEXT, null, null]);
    expect(documentImages(sample).map((i) => [i.position, i.ext])).toEqual([
      [1, 'jpg'],
      [2, 'jpg'],
    ]);
    expect(documentOf(sampleOf({ jpg: 'x', json: '{"texts": [], "images": []}' }))).toBeUndefined();
    expect(documentOf(sampleOf({ json: '{"texts": "no"}' }))).toBeUndefined();
  });

  it('runs an image operator per image: a rejected image is removed with its reason', async () => {
    const op = await instanceOf(imageSize, { minSide: 220 });
    const out = kept(
      await processUnchanged(
        op,
        await doc([
          [300, 200],
          [250, 250],
        ]),
      ),
    );
    const json = JSON.parse(out.parts.json!.toString('utf8')) as DocumentJson;
    expect(Object.keys(out.parts).sort()).toEqual(['2.jpg', 'json']);
    expect(json.images).toEqual([null, null, 'https://img.example/1.jpg']);
    expect(json.removed_images).toEqual([
      { position: 1, op: 'image.size', reason: 'too_small', detail: '300x200' },
    ]);
  });

  it('judges a document by its text', async () => {
    const op = await instanceOf(textLength, { minWords: 12 });
    expect(await op.process(await doc([[300, 300]]))).toMatchObject({
      keep: false,
      reason: 'too_short',
      detail: '11 words, 55 chars',
    });
  });

  it.each([
    [{}, [[300, 300]], [TEXT], undefined],
    [{}, [], [TEXT], 'no_images'],
    [{ minImages: 2 }, [[300, 300]], [TEXT], 'too_few_images'],
    [
      { maxImages: 1 },
      [
        [300, 300],
        [300, 300],
      ],
      [TEXT],
      'too_many_images',
    ],
    [{}, [[300, 300]], ['too few words'], 'too_few_words'],
    [{ maxWords: 5 }, [[300, 300]], [TEXT], 'too_many_words'],
  ] as const)('doc.filter %j on %j images → %s', async (args, sizes, texts, reason) => {
    const op = await instanceOf(docFilter, args);
    const outcome = await op.process(
      await doc(
        sizes.map(([w, h]) => [w, h]),
        [...texts],
      ),
    );
    if (reason === undefined) expect(outcome.keep).toBe(true);
    else expect(outcome).toMatchObject({ keep: false, reason });
  });

  it('doc.filter rejects a pair sample as not_a_document', async () => {
    expect(await (await instanceOf(docFilter)).process(sampleOf({ jpg: 'x', txt: 'y' }))).toEqual({
      keep: false,
      reason: 'not_a_document',
    });
  });
});
