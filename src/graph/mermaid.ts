// The graph view as a Mermaid flowchart (https://mermaid.js.org/syntax/flowchart.html),
// for a README or a pull request that renders Mermaid: the same nodes and
// edges as the DOT view (networks as stadiums, hosts as boxes, each pair as a
// subgraph, services as parallelograms from directors to real servers).
import { mermaidString } from './escape.js';
import type { GraphView } from './view.js';

export function renderMermaid(v: GraphView): string {
  const out: string[] = ['---', `title: ${JSON.stringify(v.title)}`, '---', 'flowchart TB'];
  const hostId = new Map(v.hosts.map((h) => [h.name, h.id]));
  const hostNode = (h: GraphView['hosts'][number]) =>
    `${h.id}[${mermaidString([h.name, `${h.roleText} · ${h.distro}`, ...(h.pair ? [`pair: ${h.pair}`] : []), ...h.lines])}]`;
  for (const n of v.networks) out.push(`  ${n.id}([${mermaidString(n.cidr)}])`);
  const inPair = new Set(v.pairs.flatMap((p) => p.nodes));
  v.pairs.forEach((p, i) => {
    out.push(`  subgraph pair${i === 0 ? '' : i}[${mermaidString(p.lines)}]`);
    for (const h of v.hosts) if (p.nodes.includes(h.name)) out.push(`    ${hostNode(h)}`);
    out.push('  end');
  });
  for (const h of v.hosts) if (!inPair.has(h.name)) out.push(`  ${hostNode(h)}`);
  for (const h of v.hosts) for (const l of h.links) out.push(`  ${h.id} ---|${mermaidString(`${l.device} ${l.address}`)}| ${l.network}`);
  for (const s of v.services) {
    out.push(`  ${s.id}[/${mermaidString([s.title, ...s.lines])}/]`);
    for (const d of s.directors) out.push(`  ${hostId.get(d)} -.-> ${s.id}`);
    for (const r of s.reals) out.push(`  ${s.id} -->|${mermaidString(r.label)}| ${hostId.get(r.host)}`);
  }
  return `${out.join('\n')}\n`;
}
