/**
 * text.flagged_words: reject texts in which the share of words found on a flagged-word list
 * (NSFW, hate, spam …; one entry per line in storage, phrases of several words allowed) is
 * above a ratio; the default 0 rejects on the first flagged word, right for captions. OBELICS
 * applies such a ratio to documents. Words are Unicode letter/digit runs, lower-cased.
 */
import { z } from 'zod';
import { loadWordList } from './lists';
import { defineOperator } from '../../core/ops/operator';
import { readText, wordsOf } from './text-read';

export const textFlaggedWords = defineOperator({
  kind: 'text.flagged_words',
  fn: 'curate',
  description: 'Reject texts with too large a share of words from a flagged-word list',
  params: z.strictObject({
    /** The list (s3://…, file://… or a path); empty turns the operator off. */
    listUri: z.string().default(''),
    maxRatio: z.number().min(0).max(1).default(0),
  }),
  reasons: ['missing', 'invalid_utf8', 'flagged_words'],
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
