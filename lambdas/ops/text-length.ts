/** textLength's implementation; declared (kind, arguments, reasons) in core/ops/text-length.ts. */
import { implementOperator } from '../../core/ops/operator';
import { textLength as declared } from '../../core/ops/text-length';
import { readText } from './text-read';

/** Unicode-aware: JavaScript's \s covers NBSP, ideographic space, line separators and so on. */
const WHITESPACE = /\s+/u;

export const textLength = implementOperator(declared, {
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
        const stats = { words, chars };
        if (words < params.minWords || chars < params.minChars)
          return { keep: false, reason: 'too_short', detail, stats };
        if (
          (params.maxWords !== undefined && words > params.maxWords) ||
          (params.maxChars !== undefined && chars > params.maxChars)
        ) {
          return { keep: false, reason: 'too_long', detail, stats };
        }
        return { keep: true, sample, stats };
      },
    };
  },
});
