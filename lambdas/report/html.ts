/**
 * The few HTML helpers the report needs. Hand-written rather than a template engine: the page
 * is static, a dozen element kinds, and every interpolated string goes through `escapeHtml`.
 */

/** Marks a string as already-safe HTML so `html` does not escape it again. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue =
  SafeHtml | string | number | undefined | null | false | readonly HtmlValue[];

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Tagged template: interpolated values are escaped unless SafeHtml; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Trusted markup produced by our own renderers (echarts SVG). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Attribute-safe id fragment for stage and reason names. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}
