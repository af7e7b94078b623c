/**
 * text.length: keep samples whose caption is valid UTF-8 and has a sensible length.
 *
 * Defaults follow DataComp's basic filter (Gadre et al., 2023): captions with more than 2 words
 * and more than 5 characters, i.e. at least 3 words and 6 characters.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const textLength = declareOperator({
  kind: 'text.length',
  fn: 'curate',
  description:
    'Reject samples whose caption is missing, not UTF-8, or too short or too long in words or characters',
  params: z.strictObject({
    minWords: z.number().int().nonnegative().default(3),
    minChars: z.number().int().nonnegative().default(6),
    /** No upper bound when absent. */
    maxWords: z.number().int().positive().optional(),
    maxChars: z.number().int().positive().optional(),
  }),
  reasons: ['missing', 'invalid_utf8', 'too_short', 'too_long'],
  stats: {
    words: {
      label: 'words',
      bins: { min: 0, max: 80, count: 80 },
      thresholds: [
        { arg: 'minWords', keeps: 'above' },
        { arg: 'maxWords', keeps: 'below' },
      ],
    },
    chars: {
      label: 'characters',
      bins: { min: 1, max: 10_000, count: 40, log: true },
      thresholds: [
        { arg: 'minChars', keeps: 'above' },
        { arg: 'maxChars', keeps: 'below' },
      ],
    },
  },
});
