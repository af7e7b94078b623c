/**
 * Matching rules of the optout operator, free of I/O: URL and domain normalisation for the
 * opt-out lists, and the robots directives read from a sample's metadata.
 */

/** Metadata fields holding directives, as captured from the X-Robots-Tag header. */
export const DIRECTIVE_FIELDS = ['x_robots_tag', 'disallow'] as const;

/** Host (lower-case, no `www.`, no port, no user info) and the rest, or undefined if not a URL. */
export function splitUrl(url: string): { host: string; rest: string } | undefined {
  let s = url
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/^\/\//, '');
  const hash = s.indexOf('#');
  if (hash !== -1) s = s.slice(0, hash);
  const end = s.search(/[/?]/);
  let host = (end === -1 ? s : s.slice(0, end)).toLowerCase();
  const rest = end === -1 ? '' : s.slice(end);
  host = host
    .slice(host.lastIndexOf('@') + 1)
    .replace(/:\d*$/, '')
    .replace(/\.$/, '');
  host = host.replace(/^www\./, '');
  if (host === '' || /\s/.test(host)) return undefined;
  return { host, rest };
}

/** The form a URL takes in the URL list and in lookups: `host/path?query`, no trailing `/`. */
export function normalizeUrl(url: string): string | undefined {
  const split = splitUrl(url);
  if (!split) return undefined;
  return `${split.host}${split.rest}`.replace(/\/+$/, '');
}

/** A domain-list line: `example.com`, `*.example.com`, `.example.com` or a URL → `example.com`. */
export function normalizeDomain(line: string): string | undefined {
  const entry = line.trim().replace(/^\*?\./, '');
  if (entry === '' || entry.startsWith('#')) return undefined;
  return splitUrl(entry)?.host;
}

/** A host and each parent domain: a.b.example.com, b.example.com, example.com, com. */
export function domainSuffixes(host: string): string[] {
  const labels = host.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * Directive tokens in a metadata value (a string or a list of strings): "noai, noimageai",
 * ["noindex"], "googlebot: noindex" (a user-agent prefix is honoured for every agent).
 */
export function directivesIn(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.toLowerCase().split(/[\s,;]+/))
    .filter((token) => token !== '' && !token.endsWith(':'))
    .map((token) => token.slice(token.lastIndexOf(':') + 1));
}

/** An own property of a parsed JSON object (never one inherited, e.g. from `__proto__`). */
export function ownField(object: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}
