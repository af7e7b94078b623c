/**
 * text.special_chars: reject texts made mostly of symbols, punctuation or emoji (ASCII art,
 * markup debris, keyword soup). Special = a code point that is not a letter, mark, digit or
 * whitespace in Unicode, so any script counts as text.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const textSpecialChars = declareOperator({
  kind: 'text.special_chars',
  fn: 'curate',
  description: 'Reject texts with too large a share of symbols and punctuation',
  params: z.strictObject({
    maxRatio: z.number().min(0).max(1).default(0.3),
  }),
  reasons: ['missing', 'invalid_utf8', 'too_many_special_chars'],
  stats: {
    special_char_ratio: {
      label: 'share of symbols and punctuation',
      bins: { min: 0, max: 1, count: 50 },
      thresholds: [{ arg: 'maxRatio', keeps: 'below' }],
    },
  },
});
