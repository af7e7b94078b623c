import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { clearLoadedLists } from '../../lambdas/ops/lists';
import { textFlaggedWords } from '../../lambdas/ops/text-flagged-words';
import { repetitionRatio, textRepetition } from '../../lambdas/ops/text-repetition';
import { specialCharRatio, textSpecialChars } from '../../lambdas/ops/text-special-chars';
import { textUtf8 } from '../../lambdas/ops/text-utf8';
import { instanceOf, kept, processUnchanged, sampleOf } from './helpers';

const invalid = Buffer.concat([
  Buffer.from('a red '),
  Buffer.from([0xc3, 0x28]),
  Buffer.from(' car'),
]);

describe('text.utf8', () => {
  it('rejects invalid UTF-8 by default and repairs it on request', async () => {
    const sample = sampleOf({ txt: invalid });
    expect(await processUnchanged(await instanceOf(textUtf8), sample)).toEqual({
      keep: false,
      reason: 'invalid_utf8',
      detail: 'txt',
    });
    const repaired = kept(
      await processUnchanged(await instanceOf(textUtf8, { onInvalid: 'repair' }), sample),
    );
    expect(repaired.parts.txt!.toString('utf8')).toBe('a red \uFFFD( car');
  });

  it('passes valid text and samples without text through untouched', async () => {
    const op = await instanceOf(textUtf8);
    const sample = sampleOf({ txt: 'naïve café — 東京' });
    expect(kept(await op.process(sample))).toBe(sample);
    expect(kept(await op.process(sampleOf({ json: '{}' }))).parts.json).toBeDefined();
  });
});

describe('text.repetition', () => {
  it('measures the share of repeated n-grams', () => {
    expect(repetitionRatio(['a', 'b', 'c', 'd'], 1)).toBe(0);
    expect(repetitionRatio(['a', 'b', 'a', 'b'], 1)).toBe(0.5);
    expect(repetitionRatio(['a', 'b'], 3)).toBe(0);
  });

  it.each([
    ['buy now buy now buy now buy now buy now buy now', 'word_repetition'],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'char_repetition'],
    ['猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫猫', 'char_repetition'],
  ])('rejects %j with %s', async (text, reason) => {
    const outcome = await processUnchanged(
      await instanceOf(textRepetition),
      sampleOf({ txt: text }),
    );
    expect(outcome).toMatchObject({ keep: false, reason });
  });

  it('keeps an ordinary caption and reports missing and invalid text', async () => {
    const op = await instanceOf(textRepetition);
    expect(
      kept(await op.process(sampleOf({ txt: 'a dog and a cat on a red sofa by the window' }))),
    ).toBeTruthy();
    expect(await op.process(sampleOf({ json: '{}' }))).toEqual({ keep: false, reason: 'missing' });
    expect(await op.process(sampleOf({ txt: invalid }))).toMatchObject({ reason: 'invalid_utf8' });
  });
});

describe('text.special_chars', () => {
  it('counts symbols in any script as special, letters of any script as not', () => {
    expect(specialCharRatio('東京の夜景')).toBe(0);
    expect(specialCharRatio('!!??')).toBe(1);
    expect(specialCharRatio('')).toBe(0);
  });

  it('rejects above maxRatio', async () => {
    const outcome = await processUnchanged(
      await instanceOf(textSpecialChars),
      sampleOf({ txt: '$$$ ### !!! ok' }),
    );
    expect(outcome).toMatchObject({
      keep: false,
      reason: 'too_many_special_chars',
      detail: '0.643',
    });
    expect(outcome.stats!.special_char_ratio).toBeCloseTo(0.643, 3);
    const loose = await instanceOf(textSpecialChars, { maxRatio: 0.7 });
    expect(kept(await loose.process(sampleOf({ txt: '$$$ ### !!! ok' })))).toBeTruthy();
  });
});

describe('text.flagged_words', () => {
  let list: string;
  beforeAll(async () => {
    clearLoadedLists();
    const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-flagged-'));
    list = path.join(dir, 'words.txt');
    await writeFile(list, '# comment\nBadword\n\nvery bad phrase\n');
  });

  it('rejects a caption with a listed word or phrase, case-insensitively', async () => {
    const op = await instanceOf(textFlaggedWords, { listUri: list });
    expect(await op.process(sampleOf({ txt: 'a BADWORD here' }))).toEqual({
      keep: false,
      reason: 'flagged_words',
      detail: '1/3',
    });
    expect(await op.process(sampleOf({ txt: 'a Very Bad-Phrase indeed' }))).toMatchObject({
      reason: 'flagged_words',
      detail: '3/5',
    });
    expect(kept(await op.process(sampleOf({ txt: 'badwords and a bad phrase' })))).toBeTruthy();
  });

  it('tolerates a share below maxRatio, and is off without a list', async () => {
    const op = await instanceOf(textFlaggedWords, { listUri: list, maxRatio: 0.25 });
    expect(kept(await op.process(sampleOf({ txt: 'one badword in five words' })))).toBeTruthy();
    const off = await instanceOf(textFlaggedWords);
    expect(kept(await off.process(sampleOf({ txt: 'badword' })))).toBeTruthy();
  });

  it('fails the shard when the list cannot be read', async () => {
    await expect(
      instanceOf(textFlaggedWords, { listUri: '/nonexistent/words.txt' }),
    ).rejects.toThrow();
  });
});
