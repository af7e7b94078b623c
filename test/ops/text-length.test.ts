import { textLength } from '../../lambdas/ops/text-length';
import { instanceOf, kept, processUnchanged, rejected, sampleOf } from './helpers';

describe('text.length', () => {
  it.each([
    // DataComp defaults: at least 3 words and 6 characters
    ['a red bicycle', undefined],
    ['red bicycle', 'too_short'], // 2 words
    ['a b c', 'too_short'], // 3 words, 5 characters
    ['a b cd', undefined], // 3 words, 6 characters
    ['   ', 'too_short'],
    ['', 'too_short'],
    ['  a  red\tbicycle\n', undefined], // surrounding and repeated whitespace do not count
    ['un\u00a0vélo\u3000rouge', undefined], // NBSP and ideographic space split words
    ['日本の 古い お寺', undefined], // characters are code points: 8
    ['🚲 🚲 🚲', 'too_short'], // 3 words but 5 code points (surrogate pairs count once)
  ])('%j → %s', async (caption, reason) => {
    const op = await instanceOf(textLength);
    expect(
      rejected(await processUnchanged(op, sampleOf({ jpg: Buffer.alloc(1), txt: caption }))),
    ).toBe(reason);
  });

  it('keeps the sample itself', async () => {
    const op = await instanceOf(textLength);
    const sample = sampleOf({ txt: 'three whole words' });
    expect(kept(await op.process(sample))).toBe(sample);
  });

  it('applies upper bounds when given', async () => {
    const op = await instanceOf(textLength, { maxWords: 4, maxChars: 20 });
    expect(rejected(await op.process(sampleOf({ txt: 'one two three four' })))).toBeUndefined();
    expect(await op.process(sampleOf({ txt: 'one two three four five' }))).toEqual({
      keep: false,
      reason: 'too_long',
      detail: '5 words, 23 chars',
      stats: { words: 5, chars: 23 },
    });
    expect(rejected(await op.process(sampleOf({ txt: 'extraordinarily long words' })))).toBe(
      'too_long',
    );
  });

  it('reads the caption from txt, text or caption members', async () => {
    const op = await instanceOf(textLength);
    expect(rejected(await op.process(sampleOf({ caption: 'a caption here' })))).toBeUndefined();
    expect(rejected(await op.process(sampleOf({ text: 'no' })))).toBe('too_short');
  });

  it('rejects a sample without a caption as missing', async () => {
    const op = await instanceOf(textLength);
    expect(
      rejected(
        await op.process(sampleOf({ jpg: Buffer.alloc(1), json: '{"alt":"in json only"}' })),
      ),
    ).toBe('missing');
  });

  it('rejects invalid UTF-8 instead of decoding it with replacement characters', async () => {
    const op = await instanceOf(textLength);
    for (const bytes of [
      Buffer.from([0x61, 0x20, 0x80, 0x20, 0x62, 0x20, 0x63]), // lone continuation byte
      Buffer.from([0x63, 0x61, 0x66, 0xc3]), // truncated two-byte sequence
      Buffer.from([0xed, 0xa0, 0x80, 0x20, 0x61, 0x20, 0x62]), // encoded surrogate
      Buffer.from('a caption in latin-1: café', 'latin1'),
    ]) {
      expect(await processUnchanged(op, sampleOf({ txt: bytes }))).toEqual({
        keep: false,
        reason: 'invalid_utf8',
        detail: 'txt',
      });
    }
  });

  it('ignores a UTF-8 byte-order mark', async () => {
    const op = await instanceOf(textLength, { minChars: 7 });
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a b cd', 'utf8')]);
    expect(await op.process(sampleOf({ txt: withBom }))).toEqual({
      keep: false,
      reason: 'too_short',
      detail: '3 words, 6 chars',
      stats: { words: 3, chars: 6 },
    });
  });
});
