/**
 * text.flagged_words: reject texts in which the share of words found on a flagged-word list
 * (NSFW, hate, spam …; one entry per line in storage, phrases of several words allowed) is
 * above a ratio; the default 0 rejects on the first flagged word, right for captions. OBELICS
 * applies such a ratio to documents. Words are Unicode letter/digit runs, lower-cased.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const textFlaggedWords = declareOperator({
  kind: 'text.flagged_words',
  fn: 'curate',
  description: 'Reject texts with too large a share of words from a flagged-word list',
  params: z.strictObject({
    /** The list (s3://…, file://… or a path); empty turns the operator off. */
    listUri: z.string().default(''),
    maxRatio: z.number().min(0).max(1).default(0),
  }),
  reasons: ['missing', 'invalid_utf8', 'flagged_words'],
  storageArgs: { listUri: 'file' },
});
