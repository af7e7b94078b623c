/**
 * A page's text layer in reading order, from pdfjs text items: items grouped into lines by
 * baseline (top to bottom), each line left to right. pdfjs returns items in content-stream
 * order, which is drawing order, not always reading order; this is the simple single-column
 * rule (multi-column layouts read across columns). Also the share of the page the text boxes
 * cover, for text-density filters.
 */
export interface TextItemLike {
  readonly str: string;
  /** [a, b, c, d, x, y]: the item's text matrix in PDF user space (y grows upwards). */
  readonly transform: readonly number[];
  readonly width: number;
  readonly height: number;
}

export interface PageText {
  readonly text: string;
  /** Σ item box area / page area, at most 1 (boxes can overlap). */
  readonly textAreaRatio: number;
}

export function pageTextOf(
  items: readonly TextItemLike[],
  pageWidth: number,
  pageHeight: number,
): PageText {
  const words = items.filter((item) => item.str.trim().length > 0);
  let area = 0;
  for (const item of words) area += Math.abs(item.width * item.height);
  const lines: { y: number; height: number; items: TextItemLike[] }[] = [];
  const byBaseline = [...words].sort((a, b) => b.transform[5]! - a.transform[5]!);
  for (const item of byBaseline) {
    const y = item.transform[5]!;
    const line = lines[lines.length - 1];
    // Same line when the baselines are closer than half the taller item's height.
    if (line && Math.abs(line.y - y) < Math.max(line.height, item.height, 1) / 2) {
      line.items.push(item);
      line.height = Math.max(line.height, item.height);
    } else lines.push({ y, height: item.height, items: [item] });
  }
  const text = lines
    .map((line) =>
      line.items
        .sort((a, b) => a.transform[4]! - b.transform[4]!)
        .map((item) => item.str.trim())
        .join(' '),
    )
    .join('\n');
  const pageArea = Math.abs(pageWidth * pageHeight);
  return { text, textAreaRatio: pageArea > 0 ? Math.min(1, area / pageArea) : 0 };
}
