/**
 * Which EC2 vCPU quota an instance type counts against: one per instance class (the letters
 * before the generation digit: g5 → G, p4d → P, vt1 → VT), On-Demand and Spot apart. Codes
 * from the Service Quotas console's EC2 list (L-DB2E81BA "Running On-Demand G and VT
 * instances" …); hand-written because no offline package maps types to quota codes.
 */

interface ClassQuotas {
  readonly name: string;
  readonly onDemand: string;
  readonly spot: string;
}

const G_AND_VT: ClassQuotas = { name: 'G and VT', onDemand: 'L-DB2E81BA', spot: 'L-3819A6DF' };

const BY_CLASS: Readonly<Record<string, ClassQuotas>> = {
  g: G_AND_VT,
  vt: G_AND_VT,
  p: { name: 'P', onDemand: 'L-417A185B', spot: 'L-7212CCBC' },
  inf: { name: 'Inf', onDemand: 'L-1945791B', spot: 'L-B5D1601B' },
  trn: { name: 'Trn', onDemand: 'L-2C3B7624', spot: 'L-5480EFD2' },
  dl: { name: 'DL', onDemand: 'L-6E869C2A', spot: 'L-85EED4F7' },
  f: { name: 'F', onDemand: 'L-74FC7D96', spot: 'L-88CF9481' },
  x: { name: 'X', onDemand: 'L-7295265B', spot: 'L-E3A00192' },
};

/** A, C, D, H, I, M, R, T, Z. */
const STANDARD: ClassQuotas = {
  name: 'Standard (A, C, D, H, I, M, R, T, Z)',
  onDemand: 'L-1216C47A',
  spot: 'L-34B43A08',
};

export interface Ec2Quota {
  readonly code: string;
  /** The quota's name in the Service Quotas console. */
  readonly name: string;
  /** The instance types or families (as the compute environment lists them) it covers. */
  readonly types: readonly string[];
}

/** `g5.4xlarge` / `g5` → `g`; `p4d` → `p`; `vt1` → `vt`; `x2idn` → `x`. */
function classOf(instanceType: string): string {
  return /^([a-z]+?)\d/.exec(instanceType.toLowerCase())?.[1] ?? instanceType.toLowerCase();
}

/** The vCPU quotas the types count against, one entry per quota, in the order first met. */
export function ec2QuotasFor(instanceTypes: readonly string[], spot: boolean): Ec2Quota[] {
  const quotas = new Map<string, { name: string; types: string[] }>();
  for (const type of instanceTypes) {
    const q = BY_CLASS[classOf(type)] ?? STANDARD;
    const code = spot ? q.spot : q.onDemand;
    const name = spot
      ? `All ${q.name} Spot Instance Requests`
      : `Running On-Demand ${q.name} instances`;
    const entry = quotas.get(code) ?? { name, types: [] };
    entry.types.push(type);
    quotas.set(code, entry);
  }
  return [...quotas].map(([code, { name, types }]) => ({ code, name, types }));
}
