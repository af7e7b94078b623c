/**
 * models.bench's image-quality lines: CPU ms per 512 px JPEG that image.blur and
 * image.low_information add, measured against a baseline in the same run and interleaved with
 * it. After image.resize (the shipped pipelines' order): the chain resize → blur →
 * low_information against resize alone, i.e. the cost of the grey copy made from the pixels
 * resize decoded plus both statistics, and, for scale, what two pass-through operators add
 * (the shard loop's own cost per operator). Alone (no earlier decode): each operator against
 * an empty pass of the shard loop, i.e. its own decode included.
 */
import { runShardLoop, type ChainLink } from '../../lambdas/handlers/shard-loop';
import { imageBlur } from '../../lambdas/ops/image-blur';
import { imageLowInformation } from '../../lambdas/ops/image-low-information';
import { imageResize } from '../../lambdas/ops/image-resize';
import type { Operator } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';
import { interleaved, median, type Timing } from './model-replay';

async function link(decl: Operator, args: Record<string, unknown> = {}) {
  const instance = await decl.create(decl.params.parse(args), { runRoot: '', shardKey: 'bench' });
  return { op: decl.kind, instance };
}

function loop(samples: readonly Sample[], chain: readonly ChainLink[]) {
  const sink = { add: () => undefined };
  return async () => {
    async function* records(): AsyncIterable<SourceRecord> {
      for (const sample of samples) yield { kind: 'sample', sample };
    }
    await runShardLoop(records(), chain, { kept: sink, rejected: sink });
  };
}

export async function imageQualityBench(samples: readonly Sample[], reps: number) {
  const resize = await link(imageResize, { longestEdge: 512 });
  const blur = await link(imageBlur);
  const low = await link(imageLowInformation);
  const pass: ChainLink = {
    op: 'pass',
    instance: { concurrent: true, process: (sample) => ({ keep: true, sample }) },
  };
  const t = await interleaved(reps, {
    empty: loop(samples, []),
    resize: loop(samples, [resize]),
    resizeBlurLow: loop(samples, [resize, blur, low]),
    resizePassPass: loop(samples, [resize, pass, { ...pass, op: 'pass#2' }]),
    blurAlone: loop(samples, [blur]),
    lowAlone: loop(samples, [low]),
  });
  const ms = (timings: Timing[]) => (median(timings.map((x) => x.cpu)) / samples.length) * 1000;
  const added = (with_: Timing[], base: Timing[]) => Number((ms(with_) - ms(base)).toFixed(3));
  return {
    images: samples.length,
    cpu_ms_per_image: {
      baseline_resize: Number(ms(t.resize).toFixed(3)),
      added_by_blur_and_low_information_after_resize: added(t.resizeBlurLow, t.resize),
      added_by_two_pass_through_operators_after_resize: added(t.resizePassPass, t.resize),
      blur_alone_with_its_decode: added(t.blurAlone, t.empty),
      low_information_alone_with_its_decode: added(t.lowAlone, t.empty),
    },
  };
}
