/** textLanguage's implementation; declared (kind, arguments, reasons) in core/ops/text-language.ts. */
import { implementOperator } from '../../core/ops/operator';
import { textLanguage as declared } from '../../core/ops/text-language';
import { jsonObjectOf } from '../../core/ops/sample';
import { identifyLanguage, loadLanguageModel } from './language-id';
import { readText } from './text-read';

export const textLanguage = implementOperator(declared, {
  async create(params) {
    await loadLanguageModel();
    const allowed: ReadonlySet<string> = new Set(params.languages);
    return {
      // Stateless: the shard loop may run it on several samples at once.
      concurrent: true,
      async process(sample) {
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        // Where the stats go: a kept sample's json must be an object.
        if (!jsonObjectOf(sample)) return { keep: false, reason: 'invalid_json' };
        const { language, score } = await identifyLanguage(read.text);
        const stats = { language, score };
        const detail = `${language} ${score.toFixed(4)}`;
        if (!allowed.has(language)) return { keep: false, reason: 'other_language', detail, stats };
        if (score < params.minScore)
          return {
            keep: false,
            reason: 'low_confidence',
            detail: `${detail} < ${params.minScore}`,
            stats,
          };
        return { keep: true, sample, stats };
      },
    };
  },
});
