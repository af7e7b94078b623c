/**
 * Charts rendered on the server to inline SVG with echarts' SSR renderer: the report needs no
 * script and makes no request. Each function returns one `<svg>` string.
 */
import * as echarts from 'echarts';

type Option = Parameters<echarts.ECharts['setOption']>[0];

const PALETTE = [
  '#2f6fb3',
  '#3b9a5b',
  '#d2872c',
  '#b8433c',
  '#7a5ab5',
  '#4a9aa8',
  '#9b7b3a',
  '#c0568e',
];

function renderSvg(option: Option, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: 'sans-serif' },
      ...option,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color?: string;
}

/** Horizontal bars, one per label, top to bottom in the given order. */
export function horizontalBars(
  bars: readonly Bar[],
  opts: { unit?: string; width?: number } = {},
): string {
  const width = opts.width ?? 760;
  const height = Math.max(120, 60 + bars.length * 26);
  const reversed = [...bars].reverse();
  return renderSvg(
    {
      grid: { left: 230, right: 90, top: 16, bottom: 30 },
      xAxis: { type: 'value', name: opts.unit ?? '', nameLocation: 'end' },
      yAxis: {
        type: 'category',
        data: reversed.map((b) => b.label),
        axisLabel: { width: 220, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          data: reversed.map((b) => ({
            value: b.value,
            ...(b.color ? { itemStyle: { color: b.color } } : {}),
          })),
          label: {
            show: true,
            position: 'right',
            formatter: (p: { value: unknown }) => formatNumber(Number(p.value)),
          },
        },
      ],
    },
    width,
    height,
  );
}

/** One line per series over a shared numeric x axis. */
export function lineChart(
  series: readonly {
    readonly name: string;
    readonly points: readonly (readonly [number, number])[];
  }[],
  opts: { xName: string; yName: string; width?: number; height?: number },
): string {
  return renderSvg(
    {
      grid: { left: 70, right: 30, top: 40, bottom: 50 },
      legend: { top: 4, data: series.map((s) => s.name) },
      xAxis: { type: 'value', name: opts.xName, nameLocation: 'middle', nameGap: 28, scale: true },
      yAxis: { type: 'value', name: opts.yName, scale: true },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        showSymbol: false,
        data: s.points.map(([x, y]) => [x, y]),
      })),
    },
    opts.width ?? 760,
    opts.height ?? 320,
  );
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 1 });
}

export interface HistogramChart {
  /** Lower edge of each bin, for the axis labels. */
  readonly edges: readonly number[];
  readonly kept: readonly number[];
  readonly rejected: readonly number[];
  readonly xName: string;
  /** Thresholds as fractional bin positions (bin i spans i - 0.5 .. i + 0.5), with a caption. */
  readonly marks: readonly { readonly at: number; readonly text: string }[];
}

/** Stacked bars per bin (passed, rejected by the operator) with each threshold as a dashed line. */
export function histogram(chart: HistogramChart, opts: { width?: number } = {}): string {
  const labels = chart.edges.map((edge) => formatEdge(edge));
  const bar = (name: string, data: readonly number[], color: string) => ({
    name,
    type: 'bar',
    stack: 'samples',
    barCategoryGap: '8%',
    itemStyle: { color },
    data: [...data],
  });
  const rejected = bar('rejected by it', chart.rejected, '#b8433c');
  return renderSvg(
    {
      grid: { left: 56, right: 24, top: 36, bottom: 56 },
      legend: { top: 4, data: ['passed', 'rejected by it'] },
      xAxis: {
        type: 'category',
        data: labels,
        name: chart.xName,
        nameLocation: 'middle',
        nameGap: 34,
        axisLabel: { hideOverlap: true },
      },
      yAxis: { type: 'value', name: 'samples', minInterval: 1 },
      series: [
        bar('passed', chart.kept, '#3b9a5b'),
        {
          ...rejected,
          markLine: {
            symbol: 'none',
            silent: true,
            lineStyle: { color: '#1d2430', type: 'dashed', width: 2 },
            label: { formatter: (p: { name?: string }) => p.name ?? '', position: 'insideEndTop' },
            data: chart.marks.map((m) => ({ name: m.text, xAxis: m.at })),
          },
        },
      ],
    },
    opts.width ?? 760,
    260,
  );
}

function formatEdge(edge: number): string {
  const abs = Math.abs(edge);
  if (abs >= 1000) return `${Number((edge / 1000).toPrecision(3))}k`;
  if (abs >= 10 || edge === 0) return String(Math.round(edge * 10) / 10);
  return String(Number(edge.toPrecision(2)));
}
