/**
 * A PDF file as samples, one per page (docs/sources.md): `jpg` = the page rendered at the
 * source's DPI, capped to its longest edge; `txt` = the text layer in reading order (empty for
 * image-only pages); `json` = {doc, page, pages, producer, width, height, dpi, text_layer,
 * text_chars, text_area_ratio}. Pages are rendered one at a time and each raster is released
 * before the next, so memory holds one page's raster whatever the document's length.
 *
 * A document that cannot be read becomes one invalid record: `pdf:encrypted`, `pdf:damaged`,
 * `pdf:too_many_pages`; a page over the pixel limit or failing to render becomes an invalid
 * record of its own (`pdf:page_too_large`, `pdf:render_failed`).
 */
import type { Readable } from 'node:stream';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist';
import type { RenderParameters, TextItem } from 'pdfjs-dist/types/src/display/api';
import {
  resolvePdfOptions,
  type PdfSourceOptions,
  type ResolvedPdfOptions,
} from '../../core/formats';
import { pageTextOf } from './pdf-text';
import { loadPdfjs, standardFontDataPath } from './pdfjs';
import { keyStem, readAll, type SourceRecord } from './source-record';

export const PDF_REASONS = {
  /** Needs a password (any /Encrypt dictionary the empty user password does not open). */
  encrypted: 'encrypted',
  /** Not a PDF, or too broken for pdfjs to recover. */
  damaged: 'damaged',
  too_many_pages: 'too_many_pages',
  page_too_large: 'page_too_large',
  render_failed: 'render_failed',
} as const;
export type PdfReason = (typeof PDF_REASONS)[keyof typeof PDF_REASONS];

export async function* readPdfFile(
  input: Readable,
  docId: string,
  options: PdfSourceOptions | undefined,
): AsyncGenerator<SourceRecord> {
  const o = resolvePdfOptions(options);
  const stem = keyStem(docId);
  const invalid = (reason: PdfReason, detail: string, key = stem): SourceRecord => ({
    kind: 'invalid',
    op: 'pdf',
    key,
    reason,
    detail,
    parts: {},
  });
  const data = await readAll(input);
  const opened = await openDocument(data);
  if (!opened.ok) {
    yield invalid(opened.reason, opened.detail);
    return;
  }
  const doc = opened.doc;
  try {
    if (doc.numPages > o.maxPages) {
      yield invalid('too_many_pages', `${doc.numPages} pages, the limit is ${o.maxPages}`);
      return;
    }
    const producer = await producerOf(doc);
    for (let n = 1; n <= doc.numPages; n++) {
      const key = `${stem}-p${String(n).padStart(5, '0')}`;
      let page: PDFPageProxy;
      try {
        page = await doc.getPage(n);
      } catch (error) {
        yield invalid('render_failed', `page ${n}: ${messageOf(error)}`, key);
        continue;
      }
      try {
        const rendered = await renderPage(page, canvasFactoryOf(doc), o);
        if (!rendered.ok) {
          yield invalid(rendered.reason, `page ${n}: ${rendered.detail}`, key);
          continue;
        }
        const json = {
          doc: docId,
          page: n,
          pages: doc.numPages,
          producer,
          width: rendered.width,
          height: rendered.height,
          dpi: Math.round(rendered.dpi * 100) / 100,
          text_layer: rendered.text.length > 0,
          text_chars: rendered.text.length,
          text_area_ratio: Math.round(rendered.textAreaRatio * 10000) / 10000,
        };
        yield {
          kind: 'sample',
          sample: {
            key,
            parts: {
              jpg: rendered.jpeg,
              txt: Buffer.from(rendered.text, 'utf8'),
              json: Buffer.from(JSON.stringify(json)),
            },
          },
        };
      } finally {
        page.cleanup();
      }
    }
  } finally {
    await doc.destroy();
  }
}

type Opened =
  { ok: true; doc: PDFDocumentProxy } | { ok: false; reason: PdfReason; detail: string };

async function openDocument(data: Buffer): Promise<Opened> {
  const pdfjs = loadPdfjs();
  const task = pdfjs.getDocument({
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    standardFontDataUrl: standardFontDataPath(),
    isEvalSupported: false,
    verbosity: 0,
    stopAtErrors: false,
  });
  try {
    return { ok: true, doc: await task.promise };
  } catch (error) {
    await task.destroy().catch(() => undefined);
    // pdfjs may live in another realm (jest), where `instanceof Error` fails: go by shape.
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'PasswordException')
      return { ok: false, reason: 'encrypted', detail: messageOf(error) };
    return {
      ok: false,
      reason: 'damaged',
      detail: `${typeof name === 'string' ? name : 'Error'}: ${messageOf(error)}`,
    };
  }
}

type Rendered =
  | {
      ok: true;
      jpeg: Buffer;
      width: number;
      height: number;
      dpi: number;
      text: string;
      textAreaRatio: number;
    }
  | { ok: false; reason: PdfReason; detail: string };

/**
 * pdfjs draws paths with the Path2D of the @napi-rs/canvas copy it loads itself (it depends on
 * its own version), so the canvas must come from its factory, not from our import.
 */
interface NodeCanvas {
  encode(format: 'jpeg', quality: number): Promise<Buffer>;
}
interface CanvasAndContext {
  canvas: NodeCanvas;
  context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
}
interface CanvasFactory {
  create(width: number, height: number): CanvasAndContext;
  destroy(canvasAndContext: CanvasAndContext): void;
}

function canvasFactoryOf(doc: PDFDocumentProxy): CanvasFactory {
  return doc.canvasFactory as CanvasFactory;
}

async function renderPage(
  page: PDFPageProxy,
  factory: CanvasFactory,
  o: ResolvedPdfOptions,
): Promise<Rendered> {
  const natural = page.getViewport({ scale: 1 }); // PDF points: 72 per inch
  const scale = Math.min(o.dpi / 72, o.longestEdge / Math.max(natural.width, natural.height, 1));
  const viewport = page.getViewport({ scale });
  const width = Math.max(1, Math.ceil(viewport.width));
  const height = Math.max(1, Math.ceil(viewport.height));
  if (width * height > o.maxPixels) {
    return {
      ok: false,
      reason: 'page_too_large',
      detail: `${width}x${height} px, the limit is ${o.maxPixels} pixels`,
    };
  }
  let jpeg: Buffer;
  const drawing = factory.create(width, height);
  try {
    const { canvas, context } = drawing;
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    await page.render({
      // @napi-rs/canvas implements the DOM canvas API pdfjs draws with; the types differ.
      canvas: canvas as unknown as RenderParameters['canvas'],
      canvasContext: context as unknown as RenderParameters['canvasContext'],
      viewport,
    }).promise;
    jpeg = await canvas.encode('jpeg', o.quality);
  } catch (error) {
    return { ok: false, reason: 'render_failed', detail: messageOf(error) };
  } finally {
    factory.destroy(drawing); // releases the raster before the next page
  }
  const content = await page.getTextContent();
  const items = content.items.filter((item): item is TextItem => 'str' in item);
  const text = pageTextOf(items, natural.width, natural.height);
  return {
    ok: true,
    jpeg,
    width,
    height,
    dpi: scale * 72,
    ...text,
    textAreaRatio: text.textAreaRatio,
  };
}

async function producerOf(doc: PDFDocumentProxy): Promise<string> {
  try {
    const { info } = await doc.getMetadata();
    const producer = (info as Record<string, unknown>)['Producer'];
    return typeof producer === 'string' ? producer : '';
  } catch {
    return '';
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
