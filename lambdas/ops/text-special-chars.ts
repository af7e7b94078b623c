/** textSpecialChars's implementation; declared (kind, arguments, reasons) in core/ops/text-special-chars.ts. */
import { implementOperator } from '../../core/ops/operator';
import { textSpecialChars as declared } from '../../core/ops/text-special-chars';
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

export const textSpecialChars = implementOperator(declared, {
  create(params) {
    return {
      process(sample) {
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        const ratio = specialCharRatio(read.text);
        const stats = { special_char_ratio: ratio };
        if (ratio > params.maxRatio)
          return {
            keep: false,
            reason: 'too_many_special_chars',
            detail: ratio.toFixed(3),
            stats,
          };
        return { keep: true, sample, stats };
      },
    };
  },
});
