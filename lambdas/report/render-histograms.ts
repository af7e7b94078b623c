/**
 * A stage's distributions: one histogram per stat its operators measured (run-wide, from the
 * stats markers), passed and rejected samples stacked, each threshold the run used drawn as a
 * dashed line, in chain order. What to look at when tuning a threshold.
 */
import { binEdge, binPosition, type StatHistogram } from '../../core/ops/stats';
import { formatNumber, histogram } from './charts';
import { html, raw, slug, type SafeHtml } from './html';
import type { StageAggregate } from './types';

export function renderHistograms(stage: StageAggregate, chain?: readonly string[]): SafeHtml | '' {
  const histograms = inChainOrder(stage.histograms ?? [], chain ?? []);
  if (histograms.length === 0) return '';
  return html`<h3>Distributions</h3>
    <p class="muted">
      What each operator measured on the samples it saw, summed over every shard: green passed it,
      red it rejected; a dashed line is a threshold this run used. Values outside an axis fall into
      its first or last bin.
    </p>
    <div class="histograms">${histograms.map((h) => renderOne(stage.name, h))}</div>`;
}

function renderOne(stage: string, h: StatHistogram): SafeHtml {
  const passed = h.kept.reduce((a, b) => a + b, 0);
  const rejected = h.rejected.reduce((a, b) => a + b, 0);
  const thresholds = h.thresholds ?? [];
  const svg = histogram(
    {
      edges: h.kept.map((_, i) => binEdge(i, h)),
      kept: h.kept,
      rejected: h.rejected,
      xName: h.label,
      marks: thresholds.map((t) => ({
        at: binPosition(t.value, h),
        text: `${t.arg} ${formatNumber(t.value)}`,
      })),
    },
    { width: 560 },
  );
  return html`<figure
    class="chart histogram"
    id="hist-${slug(stage)}-${slug(`${h.op}-${h.stat}`)}"
    data-histogram="${h.op} ${h.stat}"
    data-passed="${passed}"
    data-rejected="${rejected}"
  >
    <figcaption>
      <code>${h.op}</code> ${h.stat}: ${formatNumber(passed)} passed, ${formatNumber(rejected)}
      rejected${
        thresholds.length > 0
          ? html`;
            ${thresholds.map(
              (t, i) =>
                html`${i > 0 ? ', ' : ''}keeps ${t.keeps === 'above' ? '≥' : '≤'}
                  <code data-threshold="${t.arg}">${t.arg} = ${formatNumber(t.value)}</code>`,
            )}`
          : ''
      }
    </figcaption>
    ${raw(svg)}
  </figure>`;
}

/** By the operator's place in the chain (label without `#n`), then as measured. */
function inChainOrder(
  histograms: readonly StatHistogram[],
  chain: readonly string[],
): StatHistogram[] {
  const place = (op: string) => {
    const index = chain.indexOf(op.replace(/#\d+$/, ''));
    return index < 0 ? chain.length : index;
  };
  return histograms
    .map((h, i) => ({ h, i }))
    .sort((a, b) => place(a.h.op) - place(b.h.op) || a.i - b.i)
    .map(({ h }) => h);
}
