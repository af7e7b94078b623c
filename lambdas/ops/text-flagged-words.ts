/** textFlaggedWords's implementation; declared (kind, arguments, reasons) in core/ops/text-flagged-words.ts. */
import { loadWordList } from './lists';
import { implementOperator } from '../../core/ops/operator';
import { textFlaggedWords as declared } from '../../core/ops/text-flagged-words';
import { readText, wordsOf } from './text-read';

export const textFlaggedWords = implementOperator(declared, {
  async create(params) {
    const entries = params.listUri === '' ? [] : await loadWordList(params.listUri);
    // Entries are tokenised like the text, so "Foo-Bar" on the list matches "foo bar".
    const list = new Set<string>();
    let longest = 1;
    for (const entry of entries) {
      const words = wordsOf(entry);
      if (words.length === 0) continue;
      list.add(words.join(' '));
      longest = Math.max(longest, words.length);
    }
    return {
      process(sample) {
        if (list.size === 0) return { keep: true, sample };
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        const words = wordsOf(read.text);
        let flagged = 0;
        for (let i = 0; i < words.length; i++) {
          for (let n = 1; n <= longest && i + n <= words.length; n++) {
            if (list.has(words.slice(i, i + n).join(' '))) {
              flagged += n;
              i += n - 1;
              break;
            }
          }
        }
        const ratio = words.length === 0 ? 0 : flagged / words.length;
        if (flagged > 0 && ratio > params.maxRatio)
          return { keep: false, reason: 'flagged_words', detail: `${flagged}/${words.length}` };
        return { keep: true, sample };
      },
    };
  },
});
