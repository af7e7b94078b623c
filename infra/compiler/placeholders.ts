/**
 * `${Name}` placeholders in the compiled definition, filled by CDK definitionSubstitutions on
 * AWS and by the local runner on one machine.
 */
export const PLACEHOLDERS = {
  plan: 'PlanFunctionArn',
  download: 'DownloadFunctionArn',
  curate: 'CurateFunctionArn',
  caption: 'CaptionFunctionArn',
  finalize: 'FinalizeFunctionArn',
  mix: 'MixFunctionArn',
  summary: 'SummaryFunctionArn',
  dedup: 'DedupFunctionArn',
  trainQueue: 'TrainJobQueueArn',
  trainDefinition: 'TrainJobDefinitionArn',
  dataRoot: 'DataRoot',
} as const;
export type Placeholder = (typeof PLACEHOLDERS)[keyof typeof PLACEHOLDERS];

export const LAMBDA_PLACEHOLDERS = [
  PLACEHOLDERS.plan,
  PLACEHOLDERS.download,
  PLACEHOLDERS.curate,
  PLACEHOLDERS.caption,
  PLACEHOLDERS.finalize,
  PLACEHOLDERS.mix,
  PLACEHOLDERS.summary,
  PLACEHOLDERS.dedup,
] as const;

export const ref = (name: Placeholder): string => `\${${name}}`;

/** Placeholders a definition uses, in a stable order. */
export function placeholdersIn(definitionJson: string): Placeholder[] {
  const all = Object.values(PLACEHOLDERS) as Placeholder[];
  return all.filter((name) => definitionJson.includes(ref(name)));
}

/** Replaces every `${Name}`; throws on a placeholder without a value so nothing stays unfilled. */
export function substitute(
  definitionJson: string,
  values: Readonly<Partial<Record<Placeholder, string>>>,
): string {
  return definitionJson.replace(/\$\{([A-Za-z]+)\}/g, (whole, name: string) => {
    const value = values[name as Placeholder];
    if (value === undefined) throw new Error(`no value for placeholder ${whole}`);
    return value;
  });
}
