/**
 * text.special_chars: reject texts made mostly of symbols, punctuation or emoji (ASCII art,
 * markup debris, keyword soup). Special = a code point that is not a letter, mark, digit or
 * whitespace in Unicode, so any script counts as text.
 */
import { z } from 'zod';
import { defineOperator } from '../../core/ops/operator';
import { readText } from './text-read';

const NOT_SPECIAL = /[\p{L}\p{M}\p{N}\s]/u;

export function specialCharRatio(text: string): number {
  let total = 0;
  let special = 0;
  for (const ch of text) {
    total++;
    if (!NOT_SPECIAL.test(ch)) special++;
  }
  return total === 0 ? 0 : special / total;
}

export const textSpecialChars = defineOperator({
  kind: 'text.special_chars',
  fn: 'curate',
  description: 'Reject texts with too large a share of symbols and punctuation',
  params: z.strictObject({
    maxRatio: z.number().min(0).max(1).default(0.3),
  }),
  reasons: ['missing', 'invalid_utf8', 'too_many_special_chars'],
  create(params) {
    return {
      process(sample) {
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        const ratio = specialCharRatio(read.text);
        if (ratio > params.maxRatio)
          return { keep: false, reason: 'too_many_special_chars', detail: ratio.toFixed(3) };
        return { keep: true, sample };
      },
    };
  },
});
