import type { PipelineGraph } from '../../core/ir';
import { stageLayoutOf } from './segments';

/** A Mermaid flowchart of the pipeline's stages and fused operator segments. */
export function renderMermaid(graph: PipelineGraph): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');
  const lines = ['flowchart LR', '  plan([Plan])'];
  const ends: string[] = [];
  for (const source of graph.sources) {
    const src = `src_${id(source.name)}`;
    lines.push(`  ${src}[("${source.name}<br/>${source.uri}")]`, `  plan --> ${src}`);
    let prev = src;
    const layout = stageLayoutOf(source);
    layout.segments.forEach((segment, i) => {
      const dedup = layout.dedups.find((d) => d.segment === i);
      if (dedup) {
        // Run-scoped dedup: a barrier across every shard of the run.
        const hash = `${id(dedup.name)}_hash`;
        const resolve = `${id(dedup.name)}_resolve`;
        lines.push(
          `  ${hash}["dedup: hash (${dedup.mode})"]`,
          `  ${prev} --> ${hash}`,
          `  ${resolve}{{"resolve duplicates<br/>per hash partition"}}`,
          `  ${hash} --> ${resolve}`,
        );
        prev = resolve;
      }
      const node = `${id(source.name)}_${i}`;
      const label = segment.ops.map((o) => o.op).join('<br/>') || 'copy';
      lines.push(`  ${node}["${segment.fn}: ${label}"]`, `  ${prev} --> ${node}`);
      prev = node;
    });
    const ds = `ds_${id(source.name)}`;
    lines.push(`  ${ds}[/"dataset ${source.name}"/]`, `  ${prev} --> ${ds}`);
    ends.push(ds);
  }
  const dataset = new Map(graph.sources.map((s) => [s.name, `ds_${id(s.name)}`]));
  for (const mix of graph.mixes) {
    const node = `mix_${id(mix.name)}`;
    lines.push(`  ${node}{{"mix ${mix.name}"}}`);
    for (const input of mix.inputs) {
      const w = typeof input.weight === 'number' ? input.weight : `$${input.weight.$param}`;
      lines.push(`  ${dataset.get(input.dataset)} -- "${w}" --> ${node}`);
    }
    dataset.set(mix.name, node);
  }
  for (const train of graph.trains) {
    const node = `train_${id(train.name)}`;
    lines.push(
      `  ${node}[["train ${train.name} (${train.gpus} GPU)"]]`,
      `  ${dataset.get(train.dataset)} --> ${node}`,
    );
  }
  return lines.join('\n') + '\n';
}
