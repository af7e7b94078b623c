import sharp from 'sharp';
import { makeBenchImages } from '../fixtures/sample-shards';
sharp.concurrency(1); sharp.cache(false);
const cpu = async (name: string, imgs: Buffer[], f: (b: Buffer) => Promise<unknown>) => {
  const best: number[] = [];
  for (let r = 0; r < 5; r++) { const c = process.cpuUsage(); for (const b of imgs) await f(b); const u = process.cpuUsage(c); best.push((u.user + u.system) / 1000 / imgs.length); }
  best.sort((a,b)=>a-b); console.log(name.padEnd(30), best[0]!.toFixed(2), best[2]!.toFixed(2), 'ms cpu/img');
};
function grey32(raw: Buffer, w: number, h: number, ch: number): Uint8Array {
  const sum = new Float64Array(1024); const cnt = new Float64Array(1024);
  let i = 0;
  for (let y = 0; y < h; y++) { const row = ((y * 32) / h | 0) * 32; for (let x = 0; x < w; x++) { const c = row + ((x * 32) / w | 0); sum[c]! += 0.299*raw[i]! + 0.587*raw[i+1]! + 0.114*raw[i+2]!; cnt[c]!++; i += ch; } }
  return Uint8Array.from(sum, (s, k) => s / cnt[k]!);
}
(async () => {
  const imgs = await makeBenchImages(16, 7);
  for (let k = 0; k < 2; k++) {
  await cpu('bare 512 inside', imgs, (b) => sharp(b).resize(512, 512, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer());
  await cpu('raw then jpeg + js grey', imgs, async (b) => { const { data, info } = await sharp(b).resize(512, 512, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true }); const g = grey32(data, info.width, info.height, info.channels); return [g, await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).jpeg({ quality: 90 }).toBuffer()]; });
  await cpu('raw then jpeg', imgs, async (b) => { const { data, info } = await sharp(b).resize(512, 512, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true }); return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).jpeg({ quality: 90 }).toBuffer(); });
  }
})();
