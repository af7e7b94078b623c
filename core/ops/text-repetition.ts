/**
 * text.repetition: reject boilerplate and spam that repeats itself ("buy now buy now …",
 * "aaaaaaaa"). The ratio is the share of n-grams that already occurred earlier in the text,
 * over word n-grams and character n-grams; language-agnostic (Unicode words, code points).
 * In the spirit of OBELICS' / BigScience's repetition filters; the definition is our own.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const textRepetition = declareOperator({
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
  stats: {
    word_repetition: {
      label: 'share of repeated word n-grams',
      bins: { min: 0, max: 1, count: 50 },
      thresholds: [{ arg: 'maxWordRepetition', keeps: 'below' }],
    },
    char_repetition: {
      label: 'share of repeated character n-grams',
      bins: { min: 0, max: 1, count: 50 },
      thresholds: [{ arg: 'maxCharRepetition', keeps: 'below' }],
    },
  },
});
