// Headless Chromium for the graph tests: a page's DOM after its scripts ran
// (--dump-dom) and a screenshot (--screenshot), with the flags this machine
// needs (no sandbox as root; no background networking, since the network is
// closed) and a fresh profile each time.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { run } from '../support/index.js';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
];

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'lvsgen-graph-chromium-'));
  try {
    return run('timeout', ['120', 'chromium', ...FLAGS, `--user-data-dir=${profile}`, ...args]).stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The page's DOM once loaded and its scripts ran. */
export function dumpDom(file: string): string {
  return chromium(['--virtual-time-budget=5000', '--dump-dom', `file://${file}`]);
}

/** A PNG screenshot of the page at the given size. */
export function screenshot(file: string, png: string, width: number, height: number): Buffer {
  chromium([`--screenshot=${png}`, `--window-size=${width},${height}`, `file://${file}`]);
  return readFileSync(png);
}

/**
 * The pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium
 * writes), unfiltered per the PNG specification (section 9, filter types 0-4).
 */
export function pngPixels(png: Buffer): { width: number; height: number; channels: number; data: Buffer } {
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.subarray(off + 4, off + 8).toString('latin1');
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, '8 bits per channel');
      assert.equal(body[12], 0, 'not interlaced');
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : assert.fail(`PNG colour type ${body[9]}`);
    }
    if (type === 'IDAT') idat.push(body);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? data[y * stride + x - channels]! : 0;
      const b = y > 0 ? data[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? data[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(pred !== undefined, `PNG filter type ${filter}`);
      data[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, data };
}
