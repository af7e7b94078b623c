/** optout's implementation; declared (kind, arguments, reasons) in core/ops/optout.ts. */
import { documentOf, forEachImage } from './document';
import { loadHashedList } from './lists';
import { implementOperator, type OperatorInstance } from '../../core/ops/operator';
import { optout as declared } from '../../core/ops/optout';
import {
  DIRECTIVE_FIELDS,
  directivesIn,
  domainSuffixes,
  normalizeDomain,
  normalizeUrl,
  ownField,
  splitUrl,
} from './optout-match';
import type { Sample } from '../../core/ops/sample';

type OptoutReason = (typeof declared.reasons)[number];
type Verdict = { readonly reason: OptoutReason; readonly detail?: string } | undefined;

export const optout = implementOperator(declared, {
  async create(params) {
    const [urls, domains] = await Promise.all([
      params.urlListUri ? loadHashedList(params.urlListUri, 'url', normalizeUrl) : undefined,
      params.domainListUri
        ? loadHashedList(params.domainListUri, 'domain', normalizeDomain)
        : undefined,
    ]);
    const honoured: ReadonlySet<string> = new Set(params.directives);

    const judge = (meta: Readonly<Record<string, unknown>>): Verdict => {
      for (const field of DIRECTIVE_FIELDS) {
        const found = directivesIn(ownField(meta, field)).find((d) => honoured.has(d));
        if (found) return { reason: found as OptoutReason, detail: `${field}: ${found}` };
      }
      for (const field of params.urlFields) {
        const url = ownField(meta, field);
        if (typeof url !== 'string') continue;
        const normalized = normalizeUrl(url);
        if (urls && normalized !== undefined && urls.has(normalized))
          return { reason: 'url_listed', detail: url };
        const host = splitUrl(url)?.host;
        const listed = host && domains && domainSuffixes(host).find((d) => domains.has(d));
        if (listed) return { reason: 'domain_listed', detail: listed };
      }
      return undefined;
    };

    const pair: OperatorInstance<OptoutReason> = {
      process(sample) {
        const meta = metadataOf(sample);
        if (meta === 'invalid') return { keep: false, reason: 'invalid_metadata' };
        const verdict = meta && judge(meta);
        return verdict ? { keep: false, ...verdict } : { keep: true, sample };
      },
    };
    const images = forEachImage('optout', pair);
    return {
      process(sample) {
        const doc = documentOf(sample);
        if (!doc) return pair.process(sample);
        const verdict = judge(doc);
        return verdict ? { keep: false, ...verdict } : images.process(sample);
      },
    };
  },
});

/** The sample's json object; undefined without one; 'invalid' when it is not a JSON object. */
function metadataOf(sample: Sample): Readonly<Record<string, unknown>> | 'invalid' | undefined {
  const bytes = sample.parts.json;
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : 'invalid';
  } catch {
    return 'invalid';
  }
}
