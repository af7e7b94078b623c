/**
 * text.language with fastText's lid.176 (fasttext.wasm.js): ordinary English captions kept with
 * the defaults, other languages rejected as other_language, the score threshold, the language
 * and score reported as stats (which the shard loop writes into a kept sample's json), documents
 * judged on their paragraphs, bad inputs with their reasons.
 */
import { textLanguage } from '../../lambdas/ops/text-language';
import { textLanguage as declared } from '../../core/ops/text-language';
import { ENGLISH_CAPTIONS, OTHER_LANGUAGE_CAPTIONS } from '../fixtures/captions';
import { runLoop } from '../models/helpers';
import { instanceOf, kept, processUnchanged, rejected, sampleOf } from './helpers';

const statsOf = (outcome: Awaited<ReturnType<typeof processUnchanged>>) => {
  kept(outcome);
  return outcome.stats as { language: string; score: number };
};

describe('text.language', () => {
  it('keeps every ordinary English caption with the defaults, reporting the language and its score', async () => {
    const op = await instanceOf(textLanguage, {});
    for (const caption of ENGLISH_CAPTIONS) {
      const sample = sampleOf({
        txt: caption,
        json: JSON.stringify({ url: 'https://a.example/x.jpg' }),
      });
      const outcome = await processUnchanged(op, sample);
      expect(kept(outcome)).toBe(sample);
      expect(statsOf(outcome).language).toBe('en');
      expect(statsOf(outcome).score).toBeGreaterThanOrEqual(0.4);
    }
  });

  it('rejects captions in other languages as other_language, naming the language', async () => {
    const op = await instanceOf(textLanguage, {});
    for (const [code, caption] of OTHER_LANGUAGE_CAPTIONS) {
      const outcome = await op.process(sampleOf({ txt: caption }));
      expect(rejected(outcome)).toBe('other_language');
      expect(!outcome.keep && outcome.detail).toMatch(new RegExp(`^${code} 0\\.\\d{4}$`));
    }
  });

  it('keeps the listed languages, and rejects a listed one below minScore as low_confidence', async () => {
    const op = await instanceOf(textLanguage, { languages: ['fr', 'de'] });
    for (const [code, caption] of OTHER_LANGUAGE_CAPTIONS.filter(([c]) => c === 'fr' || c === 'de'))
      expect(statsOf(await op.process(sampleOf({ txt: caption }))).language).toBe(code);
    expect(rejected(await op.process(sampleOf({ txt: ENGLISH_CAPTIONS[1] })))).toBe(
      'other_language',
    );
    const strict = await instanceOf(textLanguage, { minScore: 0.999 });
    const outcome = await strict.process(sampleOf({ txt: 'A cat sleeping on a sofa.' }));
    expect(rejected(outcome)).toBe('low_confidence');
    expect(!outcome.keep && outcome.detail).toMatch(/^en 0\.\d{4} < 0\.999$/);
  });

  it('judges a document on its paragraphs', async () => {
    const op = await instanceOf(textLanguage, {});
    const doc = (texts: string[]) =>
      sampleOf({
        json: JSON.stringify({
          texts: [...texts, null],
          images: [...texts.map(() => null), 'a.jpg'],
        }),
        '2.jpg': Buffer.from('x'),
      });
    expect(
      statsOf(await op.process(doc([ENGLISH_CAPTIONS[3], ENGLISH_CAPTIONS[8]]))).language,
    ).toBe('en');
    const french = OTHER_LANGUAGE_CAPTIONS.filter(([c]) => c === 'fr').map(([, t]) => t);
    expect(rejected(await op.process(doc(french)))).toBe('other_language');
  });

  it('rejects missing text, invalid UTF-8 and a json member that is not an object with their reasons', async () => {
    const op = await instanceOf(textLanguage, {});
    expect(rejected(await op.process(sampleOf({ jpg: Buffer.from('x') })))).toBe('missing');
    const bad = Buffer.from([0x41, 0xff, 0xfe, 0x42]);
    expect(rejected(await op.process(sampleOf({ txt: bad })))).toBe('invalid_utf8');
    const notObject = sampleOf({ txt: ENGLISH_CAPTIONS[0], json: '[1, 2]' });
    expect(rejected(await op.process(notObject))).toBe('invalid_json');
    // Nothing to identify: fastText's prior, far under the default threshold.
    expect(rejected(await op.process(sampleOf({ txt: '   ' })))).toBe('low_confidence');
  });

  it('refuses language names that are not ISO 639-1 codes', () => {
    expect(declared.params.safeParse({ languages: ['english'] }).success).toBe(false);
    expect(declared.params.safeParse({ languages: [] }).success).toBe(false);
  });

  it('keeps in = kept + Σ rejected through the shard loop', async () => {
    const texts = [
      ...ENGLISH_CAPTIONS.slice(0, 5),
      ...OTHER_LANGUAGE_CAPTIONS.slice(0, 3).map(([, t]) => t),
    ];
    const samples = texts.map((txt, i) => sampleOf({ txt }, `s${i}`));
    const { result, kept: keptSamples } = await runLoop(samples, [
      { op: 'text.language', instance: await instanceOf(textLanguage, {}) },
    ]);
    expect(result).toMatchObject({
      in: 8,
      kept: 5,
      rejected: { 'text.language:other_language': 3 },
    });
    // The loop writes what the operator measured into each kept sample's json.
    for (const sample of keptSamples)
      expect(JSON.parse(sample.parts.json!.toString())).toMatchObject({
        vlmflow: { stats: { 'text.language': { language: 'en' } } },
      });
  });
});
