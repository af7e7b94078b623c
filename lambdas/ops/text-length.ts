/**
 * text.length: keep samples whose caption is valid UTF-8 and has a sensible length.
 *
 * Defaults follow DataComp's basic filter (Gadre et al., 2023): captions with more than 2 words
 * and more than 5 characters, i.e. at least 3 words and 6 characters.
 */
import { z } from 'zod';
import { defineOperator } from '../../core/ops/operator';
import { readText } from './text-read';

/** Unicode-aware: JavaScript's \s covers NBSP, ideographic space, line separators and so on. */
const WHITESPACE = /\s+/u;

export const textLength = defineOperator({
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
  create(params) {
    return {
      process(sample) {
        // A caption, or a document's paragraphs.
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        const trimmed = read.text.trim();
        const words = trimmed === '' ? 0 : trimmed.split(WHITESPACE).length;
        // Characters are code points, as Python's len() counts them in DataComp's filter.
        const chars = [...trimmed].length;
        const detail = `${words} words, ${chars} chars`;
        if (words < params.minWords || chars < params.minChars)
          return { keep: false, reason: 'too_short', detail };
        if (
          (params.maxWords !== undefined && words > params.maxWords) ||
          (params.maxChars !== undefined && chars > params.maxChars)
        ) {
          return { keep: false, reason: 'too_long', detail };
        }
        return { keep: true, sample };
      },
    };
  },
});
