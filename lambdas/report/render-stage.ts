/** One stage's part of the report: funnel, distributions, time per operator, kept grid, reject galleries. */
import type { StageCounts } from '../../core/contracts';
import { formatNumber, horizontalBars } from './charts';
import { html, raw, slug, type SafeHtml } from './html';
import { renderHistograms } from './render-histograms';
import type { SampleCard, StageAggregate, StageGalleries, Thumbnail } from './types';

/** Reasons drawn in the chart and listed in the table; the rest are summed as "other". */
const MAX_REASONS = 40;

export function renderStage(
  stage: StageAggregate,
  galleries: StageGalleries | undefined,
  chain?: readonly string[],
): SafeHtml {
  const id = slug(stage.name);
  return html`<section class="stage" id="stage-${id}" data-stage="${stage.name}">
    <h2>Stage <code>${stage.name}</code></h2>
    ${renderCounts(stage.counts, stage)}
    ${chain && chain.length > 0 ? renderChainFunnel(stage.counts, chain, id) : ''}
    <h3>Rejects by reason</h3>
    <figure class="chart" id="funnel-${id}">${raw(funnelChart(stage.counts))}</figure>
    ${renderHistograms(stage, chain)} ${renderTimings(stage)}
    ${galleries ? renderKept(galleries) : ''}
    ${galleries ? renderRejects(stage.counts, galleries) : ''}
  </section>`;
}

function renderCounts(counts: StageCounts, stage: StageAggregate): SafeHtml {
  const rejected = Object.values(counts.rejected).reduce((a, b) => a + b, 0);
  const reasons = sortedReasons(counts.rejected);
  const shown = reasons.slice(0, MAX_REASONS);
  const other = reasons.slice(MAX_REASONS).reduce((sum, [, n]) => sum + n, 0);
  return html`<div class="numbers">
      <div>
        <span class="label">in</span><span class="value" data-count="in">${counts.in}</span>
      </div>
      <div>
        <span class="label">kept</span><span class="value" data-count="kept">${counts.kept}</span>
      </div>
      <div>
        <span class="label">rejected</span
        ><span class="value" data-count="rejected">${rejected}</span>
      </div>
      <div>
        <span class="label">kept share</span
        ><span class="value">${percent(counts.kept, counts.in)}</span>
      </div>
      <div>
        <span class="label">shards done</span
        ><span class="value" data-count="shards">${stage.shardsDone}</span>
      </div>
      <div>
        <span class="label">kept bytes</span
        ><span class="value">${formatBytes(stage.keptBytes)}</span>
      </div>
    </div>
    <table class="reasons">
      <thead>
        <tr>
          <th>reject reason</th>
          <th>samples</th>
          <th>share of in</th>
        </tr>
      </thead>
      <tbody>
        ${shown.map(
          ([reason, n]) =>
            html`<tr>
              <td><code>${reason}</code></td>
              <td class="num" data-reason="${reason}">${n}</td>
              <td class="num">${percent(n, counts.in)}</td>
            </tr>`,
        )}
        ${
          other > 0
            ? html`<tr>
                <td>${reasons.length - MAX_REASONS} other reasons</td>
                <td class="num">${other}</td>
                <td class="num">${percent(other, counts.in)}</td>
              </tr>`
            : ''
        }
      </tbody>
    </table>`;
}

/** One step of the funnel: samples left after it, and what it removed. */
export interface FunnelStep {
  readonly step: string;
  readonly removed: number;
  readonly left: number;
}

/**
 * How many samples survive each operator, in chain order. Rejects are keyed `<op>:<reason>`;
 * source- and tar-level rejects (before the chain) come first, an operator used twice counts
 * once (its keys do not tell the uses apart). The last step's `left` is the kept count.
 */
export function funnelSteps(counts: StageCounts, chain: readonly string[]): FunnelStep[] {
  const byOp = new Map<string, number>();
  for (const [key, n] of Object.entries(counts.rejected)) {
    const op = key.slice(0, key.lastIndexOf(':'));
    byOp.set(op, (byOp.get(op) ?? 0) + n);
  }
  const ops = [...new Set(chain)];
  // Source and tar rejects (`tar:`, `pdf:`, `download:` …) happen before the first operator.
  const front = [...byOp.keys()].filter((op) => !ops.includes(op)).sort();
  let left = counts.in;
  return [...front, ...ops].map((step) => {
    const removed = byOp.get(step) ?? 0;
    left -= removed;
    return { step, removed, left };
  });
}

function renderChainFunnel(counts: StageCounts, chain: readonly string[], id: string): SafeHtml {
  const steps = funnelSteps(counts, chain);
  return html`<h3>Funnel</h3>
    <p class="muted">Samples left after each step, in chain order.</p>
    <figure class="chart" id="chain-funnel-${id}">
      ${raw(
        horizontalBars([
          { label: 'in', value: counts.in, color: '#2f6fb3' },
          ...steps.map((s) => ({ label: s.step, value: s.left, color: '#3b9a5b' })),
        ]),
      )}
    </figure>
    <table class="funnel">
      <thead>
        <tr>
          <th>step</th>
          <th>removed</th>
          <th>left</th>
          <th>left of in</th>
        </tr>
      </thead>
      <tbody>
        ${steps.map(
          (s) =>
            html`<tr data-step="${s.step}">
              <td><code>${s.step}</code></td>
              <td class="num">${s.removed}</td>
              <td class="num" data-left="${s.step}">${s.left}</td>
              <td class="num">${percent(s.left, counts.in)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function funnelChart(counts: StageCounts): string {
  const reasons = sortedReasons(counts.rejected).slice(0, MAX_REASONS);
  return horizontalBars([
    { label: 'in', value: counts.in, color: '#2f6fb3' },
    { label: 'kept', value: counts.kept, color: '#3b9a5b' },
    ...reasons.map(([reason, n]) => ({ label: reason, value: n, color: '#b8433c' })),
  ]);
}

function renderTimings(stage: StageAggregate): SafeHtml {
  const ops = Object.entries(stage.opMs).sort((a, b) => b[1] - a[1]);
  if (ops.length === 0)
    return html`<h3>Time per operator</h3>
      <p class="muted">No timings recorded.</p>`;
  const perSample = (ms: number) => (stage.counts.in > 0 ? ms / stage.counts.in : 0);
  return html`<h3>Time per operator</h3>
    <p class="muted">
      Summed over ${stage.segmentTasks} shard tasks; milliseconds per input sample in the table.
    </p>
    <figure class="chart" id="timings-${slug(stage.name)}">
      ${raw(
        horizontalBars(
          ops.map(([op, ms]) => ({ label: op, value: Number((ms / 1000).toFixed(3)) })),
          { unit: 's' },
        ),
      )}
    </figure>
    <table>
      <thead>
        <tr>
          <th>operator</th>
          <th>total s</th>
          <th>ms / sample</th>
        </tr>
      </thead>
      <tbody>
        ${ops.map(
          ([op, ms]) =>
            html`<tr>
              <td><code>${op}</code></td>
              <td class="num" data-op-ms="${op}">${formatNumber(ms / 1000)}</td>
              <td class="num">${formatNumber(perSample(ms))}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function renderKept(g: StageGalleries): SafeHtml {
  if (g.kept.length === 0)
    return html`<h3>Kept samples</h3>
      <p class="muted">No kept samples.</p>`;
  return html`<h3>Kept samples</h3>
    <p class="muted">
      ${g.kept.length} samples from ${g.keptShardsRead} shards spread over the stage.
    </p>
    <div class="grid kept">${g.kept.map(renderKeptCard)}</div>`;
}

function renderKeptCard(card: SampleCard): SafeHtml {
  const captionLabel = card.captionModel ? `synthetic (${card.captionModel})` : 'caption';
  return html`<figure class="card" data-key="${card.key}">
    ${renderThumb(card.thumbnail)}
    <figcaption>
      <div class="key">${card.key}</div>
      <dl class="captions">
        <dt>${captionLabel}</dt>
        <dd>${card.caption ?? '—'}</dd>
        ${
          card.altText !== undefined
            ? html`<dt>alt text</dt>
                <dd>${card.altText}</dd>`
            : ''
        }
      </dl>
    </figcaption>
  </figure>`;
}

function renderRejects(counts: StageCounts, g: StageGalleries): SafeHtml {
  const reasons = sortedReasons(counts.rejected).slice(0, MAX_REASONS);
  if (reasons.length === 0) return html``;
  return html`<h3>Rejected samples by reason</h3>
    <p class="muted">Examples from ${g.rejectShardsRead} rejects shards spread over the stage.</p>
    ${reasons.map(([reason, n]) => {
      const cards = g.rejects[reason] ?? [];
      return html`<div
        class="gallery"
        id="rejects-${slug(g.stage)}-${slug(reason)}"
        data-gallery="${reason}"
      >
        <h4><code>${reason}</code> <span class="muted">${n} samples</span></h4>
        ${cards.length === 0 ? html`<p class="muted">None in the shards looked at.</p>` : html`<div class="grid">${cards.map(renderRejectCard)}</div>`}
      </div>`;
    })}`;
}

function renderRejectCard(card: SampleCard): SafeHtml {
  return html`<figure class="card reject" data-key="${card.key}">
    ${renderThumb(card.thumbnail, card.reject?.reason)}
    <figcaption>
      <div class="key">${card.key}</div>
      ${card.reject?.detail ? html`<div class="detail">${card.reject.detail}</div>` : ''}
      ${card.caption !== undefined ? html`<div class="text">${card.caption}</div>` : ''}
    </figcaption>
  </figure>`;
}

export function renderThumb(thumb: Thumbnail, reason?: string): SafeHtml {
  if (thumb.kind === 'image') {
    return html`<img
      src="${thumb.dataUri}"
      width="${thumb.width}"
      height="${thumb.height}"
      alt=""
    />`;
  }
  return html`<div class="placeholder">
    ${reason ? html`<strong>${reason}</strong>` : ''}<span>${thumb.text}</span>
  </div>`;
}

export function sortedReasons(rejected: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(rejected).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '—';
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
