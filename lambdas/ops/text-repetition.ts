/** textRepetition's implementation; declared (kind, arguments, reasons) in core/ops/text-repetition.ts. */
import { implementOperator } from '../../core/ops/operator';
import { textRepetition as declared } from '../../core/ops/text-repetition';
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

export const textRepetition = implementOperator(declared, {
  create(params) {
    return {
      process(sample) {
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        const words = repetitionRatio(wordsOf(read.text), params.wordNgram);
        if (words > params.maxWordRepetition)
          return {
            keep: false,
            reason: 'word_repetition',
            detail: words.toFixed(3),
            stats: { word_repetition: words },
          };
        const chars = repetitionRatio([...read.text.replace(/\s+/gu, ' ')], params.charNgram);
        const stats = { word_repetition: words, char_repetition: chars };
        if (chars > params.maxCharRepetition)
          return { keep: false, reason: 'char_repetition', detail: chars.toFixed(3), stats };
        return { keep: true, sample, stats };
      },
    };
  },
});
