/** AWS console links for a run stored in S3; none for a local run. */
import { parseUri } from '../../core/uri';

export interface ConsoleLink {
  readonly label: string;
  readonly href: string;
}

export function consoleLinks(runRoot: string, region?: string, pipeline?: string): ConsoleLink[] {
  const parsed = parseUri(runRoot);
  if (parsed.scheme !== 's3') return [];
  const prefix = `${parsed.key.replace(/\/+$/, '')}/`;
  const regionQuery = region ? `&region=${encodeURIComponent(region)}` : '';
  const links: ConsoleLink[] = [
    {
      label: 'Run folder in the S3 console',
      href: `https://s3.console.aws.amazon.com/s3/buckets/${encodeURIComponent(parsed.bucket)}?prefix=${encodeURIComponent(prefix)}${regionQuery}`,
    },
  ];
  if (region && pipeline) {
    links.push({
      label: 'State machines in the Step Functions console',
      href: `https://${region}.console.aws.amazon.com/states/home?region=${encodeURIComponent(region)}#/statemachines`,
    });
  }
  return links;
}
