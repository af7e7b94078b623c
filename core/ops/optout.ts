/**
 * optout: honour creators' opt-outs. A sample is rejected when its URL is on the URL list, its
 * host or a parent domain is on the domain list (Spawning-style lists in storage, one entry per
 * line, held as 64-bit hashes: see hash-set64.ts for the memory cost), or its metadata carries
 * a directive (`noai`, `noimageai`, `noindex`, `noimageindex`) in `x_robots_tag` or `disallow`.
 * For a document, the page is checked (the whole document goes) and then each image's URL
 * (that image goes, the document stays).
 */
import { z } from 'zod';
import { declareOperator } from './operator';

/** Directives (X-Robots-Tag and the like) that withdraw consent to training or indexing. */
export const OPTOUT_DIRECTIVES = ['noai', 'noimageai', 'noindex', 'noimageindex'] as const;
export type OptoutDirective = (typeof OPTOUT_DIRECTIVES)[number];

const REASONS = ['url_listed', 'domain_listed', ...OPTOUT_DIRECTIVES, 'invalid_metadata'] as const;

export const optout = declareOperator({
  kind: 'optout',
  fn: 'curate',
  description: 'Reject samples opted out by URL list, domain list or robots directives',
  params: z.strictObject({
    /** Opted-out URLs, one per line; empty: no list. */
    urlListUri: z.string().default(''),
    /** Opted-out domains, one per line; a domain covers its subdomains. Empty: no list. */
    domainListUri: z.string().default(''),
    directives: z.array(z.enum(OPTOUT_DIRECTIVES)).default([...OPTOUT_DIRECTIVES]),
    /** Metadata fields holding the sample's URL. */
    urlFields: z.array(z.string()).min(1).default(['url']),
  }),
  reasons: REASONS,
  storageArgs: { urlListUri: 'file', domainListUri: 'file' },
});
