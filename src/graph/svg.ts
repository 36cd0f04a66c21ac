// The graph view as SVG, laid out by lvsgen itself (no system tool, no
// browser): a row of host boxes (each pair's two nodes side by side inside a
// dashed frame that names the floating addresses), one horizontal bus per
// network below them with a connector from each interface, and the virtual
// services as boxes in a grid underneath. Text is monospace, so its width is
// known without measuring it; test/graph checks in Chromium that no two texts
// overlap and that every text stays inside its box.
import { escapeXml } from './escape.js';
import type { GraphHost, GraphService, GraphView } from './view.js';

const FONT_SIZE = 12;
/**
 * Advance of one character: DejaVu Sans Mono's is 0.602 em (7.22 px at 12 px),
 * Liberation Mono's and Courier's 0.6 em; a little more leaves room for any of them.
 */
const CW = 7.5;
const LH = 16;
const PAD = 8;
const MARGIN = 20;
const GAP = 24;
const BUS_GAP = 34;

const ROLE_FILL: Record<string, string> = { router: '#fff4cc', director: '#dbe9ff', 'real-server': '#e3f5e1' };
const FORWARD_STROKE: Record<GraphService['forward'], string> = { masq: '#1f6feb', gate: '#8250df', ipip: '#bf5700' };

const textWidth = (s: string, cw = CW) => Math.ceil([...s].length * cw);

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function hostLines(h: GraphHost): string[] {
  return [h.name, `${h.roleText} · ${h.distro}`, ...(h.pair ? [`pair: ${h.pair}`] : []), ...h.lines];
}

function hostSize(h: GraphHost): { w: number; h: number } {
  const lines = hostLines(h);
  const devW = Math.max(...h.links.map((l) => textWidth(l.device))) + 12;
  return {
    w: Math.max(Math.max(...lines.map((l) => textWidth(l))) + 2 * PAD, (h.links.length + 1) * devW),
    h: lines.length * LH + 2 * PAD,
  };
}

function serviceLines(s: GraphService): string[] {
  return [s.title, ...s.lines, ...s.reals.map((r) => `→ ${r.host} ${r.label}`)];
}

/** Text lines from the top of a box: the first bold when `bold`. */
function textBlock(lines: readonly string[], x: number, y: number, bold: boolean): string {
  return lines
    .map((l, i) => `<text x="${x}" y="${y + (i + 1) * LH - 4}"${i === 0 && bold ? ' font-weight="bold"' : ''}>${escapeXml(l)}</text>`)
    .join('\n');
}

export function renderSvg(v: GraphView): string {
  const out: string[] = [];
  const gutter = Math.max(0, ...v.networks.map((n) => textWidth(n.cidr))) + 2 * PAD;
  const top = MARGIN + 30;
  // every frame's label is as tall as the tallest, so that the host boxes stay in one row
  const pairLabelH = v.pairs.length ? Math.max(...v.pairs.map((p) => p.lines.length)) * LH + 2 * PAD : 0;
  const boxesY = top + pairLabelH;
  const sizes = new Map(v.hosts.map((h) => [h.name, hostSize(h)]));
  const maxH = Math.max(...[...sizes.values()].map((s) => s.h));

  // Host boxes left to right; each pair's nodes (adjacent in the view) share a frame.
  const boxes = new Map<string, Box>();
  let x = MARGIN + gutter;
  const pairFrames: Array<{ frame: Box; lines: string[] }> = [];
  for (let i = 0; i < v.hosts.length; i++) {
    const h = v.hosts[i]!;
    const pair = v.pairs.find((p) => p.nodes[0] === h.name);
    if (pair) {
      const pairLines = pair.lines;
      const other = v.hosts[i + 1]!;
      const a = sizes.get(h.name)!;
      const b = sizes.get(other.name)!;
      const inner = Math.max(a.w + GAP + b.w, Math.max(...pairLines.map((l) => textWidth(l))));
      boxes.set(h.name, { x: x + PAD, y: boxesY, ...a });
      boxes.set(other.name, { x: x + PAD + a.w + GAP, y: boxesY, ...b });
      pairFrames.push({ frame: { x, y: top, w: inner + 2 * PAD, h: pairLabelH + maxH + PAD }, lines: pairLines });
      x += inner + 2 * PAD + GAP;
      i++;
      continue;
    }
    const s = sizes.get(h.name)!;
    boxes.set(h.name, { x, y: boxesY, ...s });
    x += s.w + GAP;
  }
  const hostsRight = x - GAP;
  const busTop = boxesY + maxH + PAD + 30;
  const busY = new Map(v.networks.map((n, i) => [n.id, busTop + i * BUS_GAP]));
  const busesBottom = busTop + Math.max(0, v.networks.length - 1) * BUS_GAP;

  // Services: a grid of equal columns under the buses.
  const svcSizes = v.services.map((s) => {
    const lines = serviceLines(s);
    return { lines, w: Math.max(...lines.map((l) => textWidth(l))) + 2 * PAD, h: lines.length * LH + 2 * PAD };
  });
  const colW = Math.max(0, ...svcSizes.map((s) => s.w));
  const titleW = textWidth(v.title, 9) + 2 * MARGIN;
  const width = Math.max(hostsRight + MARGIN, titleW, MARGIN * 2 + colW);
  const cols = Math.max(1, Math.floor((width - 2 * MARGIN + GAP) / (colW + GAP)));
  const svcTop = busesBottom + 40;
  const svcBoxes: Box[] = [];
  let rowY = svcTop + (v.services.length > 0 ? LH + PAD : 0);
  for (let r = 0; r * cols < svcSizes.length; r++) {
    const row = svcSizes.slice(r * cols, r * cols + cols);
    row.forEach((s, c) => svcBoxes.push({ x: MARGIN + c * (colW + GAP), y: rowY, w: colW, h: s.h }));
    rowY += Math.max(...row.map((s) => s.h)) + GAP;
  }
  const height = (v.services.length > 0 ? rowY - GAP : busesBottom) + MARGIN;

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="'DejaVu Sans Mono', 'Liberation Mono', monospace" font-size="${FONT_SIZE}" fill="#111">`,
    `<title>${escapeXml(v.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${MARGIN}" y="${MARGIN + 14}" font-size="14" font-weight="bold">${escapeXml(v.title)}</text>`,
  );
  for (const { frame: f, lines } of pairFrames) {
    out.push(
      `<g class="box pair">`,
      `<rect x="${f.x}" y="${f.y}" width="${f.w}" height="${f.h}" rx="6" fill="#f6f6f6" stroke="#888" stroke-dasharray="6 4"/>`,
      textBlock(lines, f.x + PAD, f.y + PAD, true),
      `</g>`,
    );
  }
  // Buses first: connectors and boxes are drawn over them.
  for (const n of v.networks) {
    const y = busY.get(n.id)!;
    out.push(
      `<g class="network" id="${n.id}">`,
      `<line x1="${MARGIN}" y1="${y}" x2="${hostsRight}" y2="${y}" stroke="#333" stroke-width="3"/>`,
      `<text x="${MARGIN}" y="${y - 6}" font-weight="bold">${escapeXml(n.cidr)}</text>`,
      `</g>`,
    );
  }
  for (const h of v.hosts) {
    const b = boxes.get(h.name)!;
    const fill = ROLE_FILL[h.roles.find((r) => r === 'router') ?? h.roles.find((r) => r === 'director') ?? h.roles[0]!] ?? '#eee';
    out.push(`<g class="host" id="${h.id}">`);
    h.links.forEach((l, i) => {
      const cx = b.x + Math.round(((i + 1) * b.w) / (h.links.length + 1));
      const y = busY.get(l.network)!;
      out.push(
        `<line x1="${cx}" y1="${b.y + b.h}" x2="${cx}" y2="${y}" stroke="#333" stroke-width="1.5"/>`,
        `<circle cx="${cx}" cy="${y}" r="4" fill="#333"/>`,
        `<text x="${cx + 4}" y="${y - 6}" font-size="11" fill="#444">${escapeXml(l.device)}</text>`,
      );
    });
    out.push(
      `<g class="box">`,
      `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4" fill="${fill}" stroke="#555"/>`,
      textBlock(hostLines(h), b.x + PAD, b.y + PAD, true),
      `</g>`,
      `</g>`,
    );
  }
  if (v.services.length > 0) out.push(`<text x="${MARGIN}" y="${svcTop + 12}" font-weight="bold">Virtual services</text>`);
  v.services.forEach((s, i) => {
    const b = svcBoxes[i]!;
    out.push(
      `<g class="box service" id="${s.id}">`,
      `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4" fill="#fff" stroke="${FORWARD_STROKE[s.forward]}" stroke-width="2"/>`,
      textBlock(svcSizes[i]!.lines, b.x + PAD, b.y + PAD, true),
      `</g>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
