/**
 * models.bench's language-identification line: texts per CPU-second of text.language through
 * the shard loop (lid.176 in WebAssembly, lower-casing, json written) next to the bare
 * identifyLanguage call on the same texts, interleaved, and their ratio.
 */
import { runShardLoop } from '../../lambdas/handlers/shard-loop';
import { identifyLanguage } from '../../lambdas/ops/language-id';
import { textLanguage } from '../../lambdas/ops/text-language';
import type { Sample } from '../../core/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';
import { ENGLISH_CAPTIONS, OTHER_LANGUAGE_CAPTIONS } from '../fixtures/captions';
import { interleaved, median } from './model-replay';

export async function languageBench(count: number, reps: number) {
  const pool = [...ENGLISH_CAPTIONS, ...OTHER_LANGUAGE_CAPTIONS.map(([, text]) => text)];
  const texts = Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
  const samples: Sample[] = texts.map((text, i) => ({
    key: `t${i}`,
    parts: { txt: Buffer.from(text), json: Buffer.from('{}') },
  }));
  const instance = await textLanguage.create(textLanguage.params.parse({}), {
    runRoot: '',
    shardKey: 'bench',
  });
  const sink = { add: () => undefined };
  const t = await interleaved(reps, {
    operator: async () => {
      async function* records(): AsyncIterable<SourceRecord> {
        for (const sample of samples) yield { kind: 'sample', sample };
      }
      await runShardLoop(records(), [{ op: 'text.language', instance }], {
        kept: sink,
        rejected: sink,
      });
    },
    identify: async () => {
      for (const text of texts) await identifyLanguage(text);
    },
  });
  const perS = (cpu: number[]) => Math.round(count / median(cpu));
  const operator = perS(t.operator.map((x) => x.cpu));
  const bare = perS(t.identify.map((x) => x.cpu));
  return {
    texts: count,
    texts_per_cpu_s: { operator, identify_language: bare },
    ratio_cpu: Number((operator / bare).toFixed(3)),
  };
}
