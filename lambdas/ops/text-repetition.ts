/**
 * text.repetition: reject boilerplate and spam that repeats itself ("buy now buy now …",
 * "aaaaaaaa"). The ratio is the share of n-grams that already occurred earlier in the text,
 * over word n-grams and character n-grams; language-agnostic (Unicode words, code points).
 * In the spirit of OBELICS' / BigScience's repetition filters; the definition is our own.
 */
import { z } from 'zod';
import { defineOperator } from '../../core/ops/operator';
import { readText, wordsOf } from './text-read';

/** Share of the n-grams of `items` that repeat an earlier one; 0 when there are none. */
export function repetitionRatio(items: readonly string[], n: number): number {
  const total = items.length - n + 1;
  if (total <= 1) return 0;
  const seen = new Set<string>();
  let repeats = 0;
  for (let i = 0; i < total; i++) {
    const gram = items.slice(i, i + n).join('\u0000');
    if (seen.has(gram)) repeats++;
    else seen.add(gram);
  }
  return repeats / total;
}

export const textRepetition = defineOperator({
  kind: 'text.repetition',
  fn: 'curate',
  description: 'Reject texts whose word or character n-grams repeat too much',
  params: z.strictObject({
    wordNgram: z.number().int().min(1).default(3),
    maxWordRepetition: z.number().min(0).max(1).default(0.3),
    charNgram: z.number().int().min(1).default(10),
    maxCharRepetition: z.number().min(0).max(1).default(0.4),
  }),
  reasons: ['missing', 'invalid_utf8', 'word_repetition', 'char_repetition'],
  create(params) {
    return {
      process(sample) {
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        const words = repetitionRatio(wordsOf(read.text), params.wordNgram);
        if (words > params.maxWordRepetition)
          return { keep: false, reason: 'word_repetition', detail: words.toFixed(3) };
        const chars = repetitionRatio([...read.text.replace(/\s+/gu, ' ')], params.charNgram);
        if (chars > params.maxCharRepetition)
          return { keep: false, reason: 'char_repetition', detail: chars.toFixed(3) };
        return { keep: true, sample };
      },
    };
  },
});
