/**
 * text.language: keep captions and documents written in one of the listed languages, by
 * fastText's language-identification model lid.176 (the model OBELICS, datatrove and
 * data-juicer use), run in WebAssembly by the npm package fasttext.wasm.js, which ships it.
 * The top language and its probability are its stats (`language`, `score`), which a kept
 * sample carries in json `vlmflow.stats["text.language"]`, as datatrove's LanguageFilter
 * records them in its metadata.
 *
 * Default minScore 0.4, from a measurement (docs/operators.md, "Language"): 30 ordinary English
 * captions of 3–14 words are all identified as English, with probabilities 0.44–0.99; short
 * captions score lower than documents, for which datatrove uses 0.65 and data-juicer 0.8.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const textLanguage = declareOperator({
  kind: 'text.language',
  fn: 'curate',
  description:
    'Keep texts whose language (fastText lid.176) is one of `languages` with probability >= minScore; language and score are its stats',
  params: z.strictObject({
    /** ISO 639-1 codes of the languages to keep. */
    languages: z
      .array(z.string().regex(/^[a-z]{2}$/, 'expected an ISO 639-1 code such as "en"'))
      .min(1)
      .default(['en']),
    /** Smallest probability of the top language (documents: datatrove 0.65, data-juicer 0.8). */
    minScore: z.number().min(0).max(1).default(0.4),
  }),
  reasons: ['missing', 'invalid_utf8', 'invalid_json', 'other_language', 'low_confidence'],
  stats: {
    language: { label: 'language (ISO 639-1)' },
    score: {
      label: 'probability of the top language',
      bins: { min: 0, max: 1, count: 50 },
      thresholds: [{ arg: 'minScore', keeps: 'above' }],
    },
  },
});
