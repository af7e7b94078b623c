/**
 * What the measurements cost the shard loop: a curate chain whose operators report stats
 * (image.size, text.length, text.repetition, text.special_chars, then image.resize to 512 px,
 * the work of a real shard) over 512 px JPEGs, run three ways, interleaved in one process:
 * without the loop knowing the operators' stats (no histograms, json untouched: the cost before
 * stats existed), with histograms only (`statsInJson` false), and with histograms and each kept
 * sample's json rewritten (the default). Prints CPU ms per sample and the ratios; fails on
 * nothing.
 *
 *   node --import tsx test/bench/stats-json.bench.ts [--images 64] [--reps 5]
 */
import { parseArgs } from 'node:util';
import { runShardLoop, type ChainLink } from '../../lambdas/handlers/shard-loop';
import { imageResize } from '../../lambdas/ops/image-resize';
import { imageSize } from '../../lambdas/ops/image-size';
import { textLength } from '../../lambdas/ops/text-length';
import { textRepetition } from '../../lambdas/ops/text-repetition';
import { textSpecialChars } from '../../lambdas/ops/text-special-chars';
import type { Operator } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';
import { photo } from '../fixtures/images';
import { interleaved, median } from './model-replay';

const { values } = parseArgs({
  options: { images: { type: 'string', default: '64' }, reps: { type: 'string', default: '5' } },
});
const images = Number(values.images);
const reps = Number(values.reps);

async function link(operator: Operator, args: Record<string, unknown>, measured: boolean) {
  const parsed = operator.params.parse(args) as Record<string, unknown>;
  const instance = await operator.create(parsed, { runRoot: '', shardKey: 'bench' });
  return {
    op: operator.kind,
    instance,
    ...(measured && operator.stats
      ? { measures: { label: operator.kind, specs: operator.stats, args: parsed } }
      : {}),
  } satisfies ChainLink;
}

const chainOf = (measured: boolean) =>
  Promise.all([
    link(imageSize, {}, measured),
    link(textLength, {}, measured),
    link(textRepetition, {}, measured),
    link(textSpecialChars, {}, measured),
    link(imageResize, { longestEdge: 512 }, measured),
  ]);

function loop(samples: readonly Sample[], chain: readonly ChainLink[], statsInJson: boolean) {
  const sink = { add: () => undefined };
  return async () => {
    async function* records(): AsyncIterable<SourceRecord> {
      for (const sample of samples) yield { kind: 'sample', sample };
    }
    await runShardLoop(records(), chain, { kept: sink, rejected: sink }, { statsInJson });
  };
}

async function main(): Promise<void> {
  const samples: Sample[] = [];
  for (let i = 0; i < images; i++)
    samples.push({
      key: `s${i}`,
      parts: {
        jpg: await photo(512, 384, { seed: i }),
        txt: Buffer.from(`a photo of a mountain lake at dawn, number ${i}`),
        json: Buffer.from(JSON.stringify({ url: `https://images.example.org/${i}.jpg` })),
      },
    });
  const [plain, measured] = [await chainOf(false), await chainOf(true)];
  const timings = await interleaved(reps, {
    before: loop(samples, plain, false),
    histograms: loop(samples, measured, false),
    json: loop(samples, measured, true),
  });
  const ms = (key: keyof typeof timings) =>
    (median(timings[key].map((t) => t.cpu)) * 1000) / images;
  const [before, histograms, json] = [ms('before'), ms('histograms'), ms('json')];
  console.log(
    JSON.stringify(
      {
        images,
        reps,
        cpuMsPerSample: { before, histograms, json },
        ratioHistogramsToBefore: histograms / before,
        ratioJsonToBefore: json / before,
        loadAverage: (await import('node:os')).loadavg()[0],
      },
      null,
      2,
    ),
  );
}

void main();
