/** Run-level parts of the report: header, parameters, datasets, training, cost. */
import type { CostEstimate } from './cost';
import { formatNumber, lineChart } from './charts';
import { html, raw, type SafeHtml } from './html';
import type { ConsoleLink } from './links';
import { formatBytes, renderThumb } from './render-stage';
import type { TrainingOutputs } from './training-samples';
import type { Manifest, RunData, TrainingCurve } from './types';
import type { FailureCause } from '../../core/contracts';

/** Shard rows listed per dataset; the manifest itself lists them all. */
const MAX_SHARD_ROWS = 10;

export function renderHeader(run: RunData, links: readonly ConsoleLink[]): SafeHtml {
  const status = run.summary?.status ?? 'no summary yet';
  const error = run.summary?.error;
  return html`<header>
    <h1>Run <code id="run-id">${run.runId}</code> of <code id="pipeline">${run.pipeline}</code></h1>
    <p>
      Status: <strong id="run-status" class="status-${status}">${status}</strong> · run folder
      <code>${run.runRoot}</code>
    </p>
    ${error ? html`<p class="error"><strong>${error.error}</strong>: ${error.cause}</p>` : ''}
    ${renderCauses(run.summary?.causes ?? [])}
    ${renderRandomWeightModels(run.summary?.randomWeightModels ?? {})}
    ${links.length > 0 ? html`<p class="links">${links.map((l) => html`<a href="${l.href}">${l.label}</a> `)}</p>` : ''}
  </header>`;
}

/** Models whose config.json says `random_weights: true`: what they scored, captioned or trained is noise. */
function renderRandomWeightModels(models: Readonly<Record<string, string>>): SafeHtml | '' {
  const entries = Object.entries(models);
  if (entries.length === 0) return '';
  return html`<p class="warning" id="random-weight-models">
    <strong>Random-weight test models</strong>
    ${entries.map(([param, uri]) => html`<code data-random-model="${param}">${param}</code> = <code>${uri}</code> `)}:
    their outputs (scores, captions, a trained connector) are noise. Set these parameters to real
    model folders for real results.
  </p>`;
}

/** Why the run failed, first cause first, each with where it happened and a job's last log lines. */
function renderCauses(causes: readonly FailureCause[]): SafeHtml | '' {
  if (causes.length === 0) return '';
  return html`<section id="causes">
    <h2>Failure causes</h2>
    <ol>
      ${causes.map(
        (c) =>
          html`<li class="cause">
            ${c.stage ? html`stage <code>${c.stage}</code> ` : ''}${c.shard ? html`shard <code>${c.shard}</code> ` : ''}${c.operator ? html`operator <code>${c.operator}</code> ` : ''}${c.sample ? html`sample <code>${c.sample}</code> ` : ''}
            <strong>${c.error}</strong>: <span class="error">${c.message}</span>
            ${c.logTail && c.logTail.length > 0 ? html`<pre class="log">${c.logTail.join('\n')}</pre>` : ''}
          </li>`,
      )}
    </ol>
  </section>`;
}

export function renderParameters(run: RunData): SafeHtml {
  const lineage = run.lineage;
  if (!lineage)
    return html`<section id="parameters">
      <h2>Parameters</h2>
      <p class="muted">No dataset manifest with lineage yet.</p>
    </section>`;
  const count = Object.keys(lineage.params).length + Object.keys(lineage.inputs).length;
  // Folded: the results come first; a reader tuning thresholds opens it.
  return html`<section id="parameters">
    <details>
      <summary><h2>Parameters (${count})</h2></summary>
      <table>
        <tbody>
          <tr>
            <th>pipeline</th>
            <td><code>${lineage.pipeline}</code> version ${lineage.version}</td>
          </tr>
          <tr>
            <th>definition hash</th>
            <td><code>${lineage.definitionHash}</code></td>
          </tr>
          ${Object.entries(lineage.params).map(
            ([k, v]) =>
              html`<tr>
                <th>${k}</th>
                <td data-param="${k}"><code>${String(v)}</code></td>
              </tr>`,
          )}
          ${Object.entries(lineage.inputs).map(
            ([k, v]) =>
              html`<tr>
                <th>input ${k}</th>
                <td><code>${v}</code></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </section>`;
}

export function renderDatasets(manifests: Readonly<Record<string, Manifest>>): SafeHtml {
  const entries = Object.entries(manifests);
  if (entries.length === 0) return html``;
  return html`<section id="datasets">
    <h2>Datasets</h2>
    ${entries.map(([name, m]) => renderManifest(name, m))}
  </section>`;
}

function renderManifest(name: string, m: Manifest): SafeHtml {
  if (m.kind === 'mixture') {
    return html`<div class="dataset" data-dataset="${name}">
      <h3>Mixture <code>${name}</code>: ${m.total} samples, seed ${m.seed}</h3>
      <table>
        <thead>
          <tr>
            <th>dataset</th>
            <th>weight</th>
            <th>available</th>
            <th>taken</th>
          </tr>
        </thead>
        <tbody>
          ${m.components.map(
            (c) =>
              html`<tr>
                <td><code>${c.dataset}</code></td>
                <td class="num">${c.weight}</td>
                <td class="num">${c.available}</td>
                <td class="num">${c.samples}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }
  const bytes = m.shards.reduce((sum, s) => sum + s.bytes, 0);
  const samples = m.shards.reduce((sum, s) => sum + s.samples, 0);
  return html`<div class="dataset" data-dataset="${name}">
    <h3>Dataset <code>${name}</code></h3>
    <p>
      <span data-dataset-shards>${m.shards.length}</span> shards,
      <span data-dataset-samples>${samples}</span> samples, ${formatBytes(bytes)};
      ${m.rejects.length} rejects shards; ${m.failedShards.length} failed shards.
    </p>
    ${m.failedShards.length > 0 ? html`<p class="error">Failed shards: ${m.failedShards.slice(0, MAX_SHARD_ROWS).map((f) => html`<code>${f.key}</code>${f.error ? ` (${f.error})` : ''} `)}</p>` : ''}
    <table>
      <thead>
        <tr>
          <th>shard</th>
          <th>samples</th>
          <th>bytes</th>
          <th>sha256</th>
        </tr>
      </thead>
      <tbody>
        ${m.shards.slice(0, MAX_SHARD_ROWS).map(
          (s) =>
            html`<tr>
              <td><code>${s.key}</code></td>
              <td class="num">${s.samples}</td>
              <td class="num">${formatBytes(s.bytes)}</td>
              <td><code>${s.sha256.slice(0, 16)}…</code></td>
            </tr>`,
        )}
        ${
          m.shards.length > MAX_SHARD_ROWS
            ? html`<tr>
                <td colspan="4" class="muted">
                  … ${m.shards.length - MAX_SHARD_ROWS} more in the manifest
                </td>
              </tr>`
            : ''
        }
      </tbody>
    </table>
  </div>`;
}

export function renderTraining(
  run: RunData,
  outputs: ReadonlyMap<string, TrainingOutputs> = new Map(),
): SafeHtml {
  if (run.training.length === 0) return html``;
  return html`<section id="training">
    <h2>Training</h2>
    ${run.training.map(
      (t) => html`${renderCurve(t)}${renderTrainingOutputs(t.name, outputs.get(t.name))}`,
    )}
  </section>`;
}

function renderCurve(t: TrainingCurve): SafeHtml {
  return t.points.length === 0
    ? html`<p class="muted">
        <code>${t.name}</code>: no loss values found in <code>${t.uri}</code>.
      </p>`
    : html`<figure class="chart" data-training="${t.name}">
        ${raw(lineChart([{ name: `${t.name} loss`, points: t.points }], { xName: 'step', yName: 'loss' }))}
        <figcaption>
          ${t.totalPoints}
          points${t.totalPoints > t.points.length ? ` (${t.points.length} drawn)` : ''}; last loss
          <span data-last-loss>${formatNumber(t.points[t.points.length - 1]![1])}</span
          >${t.wallSeconds !== undefined ? `; ${formatNumber(t.wallSeconds)} s` : ''}
        </figcaption>
      </figure>`;
}

function renderTrainingOutputs(name: string, outputs: TrainingOutputs | undefined): SafeHtml {
  if (!outputs) return html``;
  const card = outputs.modelCardUri
    ? html`<p>
        Model card: <a href="${outputs.modelCardUri}"><code>${outputs.modelCardUri}</code></a>
      </p>`
    : html``;
  if (outputs.samples.length === 0) return card;
  return html`${card}
    <h3>Sample generations: <code>${name}</code></h3>
    <p class="muted">
      Greedy captions of held-out images by the exported model, next to the data's own caption. A
      model assembled from tiny random-weight models (the local demo's) writes noise here.
    </p>
    <table class="generations" data-generations="${name}">
      <thead>
        <tr>
          <th>image</th>
          <th>reference</th>
          <th>generated</th>
        </tr>
      </thead>
      <tbody>
        ${outputs.samples.map(
          (s) =>
            html`<tr>
              <td>${renderThumb(s.thumbnail)}</td>
              <td>${s.reference}</td>
              <td data-generated>${s.generated}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function renderCost(cost: CostEstimate): SafeHtml {
  return html`<section id="cost">
    <h2>Estimated AWS cost</h2>
    <p>
      About <strong id="cost-total" data-usd="${cost.totalUsd}">${usd(cost.totalUsd)}</strong> for
      ${cost.samples} input samples, at ${cost.prices.region} list prices as of ${cost.prices.asOf}.
    </p>
    <table>
      <thead>
        <tr>
          <th>service</th>
          <th>item</th>
          <th>quantity</th>
          <th>unit price</th>
          <th>USD</th>
          <th>grows with</th>
        </tr>
      </thead>
      <tbody>
        ${cost.lines.map(
          (l) =>
            html`<tr>
              <td>${l.service}</td>
              <td>${l.item}</td>
              <td class="num">
                ${l.quantity === undefined ? 'not measured' : `${formatNumber(l.quantity)} ${l.unit}`}
              </td>
              <td class="num">${l.unitPriceUsd.toPrecision(3)}</td>
              <td class="num">${usd(l.usd)}</td>
              <td>${l.scales === 'samples' ? 'samples' : 'per run'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">
      ${cost.prices.source} Not counted: S3 storage, data transfer, CloudWatch, free tiers. Operator
      time measured where the run ran; a local run only approximates Lambda.
    </p>
  </section>`;
}

export function usd(value: number): string {
  if (value >= 1) return `$${value.toFixed(2)}`;
  return value >= 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(6)}`;
}
