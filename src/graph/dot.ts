// The graph view as Graphviz DOT (https://graphviz.org/doc/info/lang.html):
// networks as ellipses, hosts as boxes joined to their networks (edge label:
// interface and address), each pair as a dashed cluster naming its floating
// addresses, each virtual service as a note from its directors to its real
// servers (edge label: port and weight). `dot -Tsvg` lays it out.
import { dotString } from './escape.js';
import type { GraphView } from './view.js';

const ROLE_FILL: Record<string, string> = { router: '#fff4cc', director: '#dbe9ff', 'real-server': '#e3f5e1' };
const FORWARD_COLOR: Record<string, string> = { masq: '#1f6feb', gate: '#8250df', ipip: '#bf5700' };

export function renderDot(v: GraphView): string {
  const out: string[] = [];
  const hostId = new Map(v.hosts.map((h) => [h.name, h.id]));
  out.push(
    `digraph ${dotString(v.name)} {`,
    `  graph [label=${dotString(v.title)}, labelloc=t, fontname="DejaVu Sans Mono", rankdir=TB, newrank=true];`,
    `  node [fontname="DejaVu Sans Mono", fontsize=10, shape=box, style="rounded,filled", fillcolor="#ffffff"];`,
    `  edge [fontname="DejaVu Sans Mono", fontsize=9];`,
  );
  for (const n of v.networks) out.push(`  ${n.id} [label=${dotString(n.cidr)}, shape=ellipse, style=filled, fillcolor="#eeeeee"];`);
  const hostNode = (h: GraphView['hosts'][number]) => {
    const fill = ROLE_FILL[h.roles.find((r) => r === 'router') ?? h.roles.find((r) => r === 'director') ?? h.roles[0]!] ?? '#eeeeee';
    return `${h.id} [label=${dotString([h.name, `${h.roleText} · ${h.distro}`, ...(h.pair ? [`pair: ${h.pair}`] : []), ...h.lines])}, fillcolor="${fill}"];`;
  };
  const inPair = new Set(v.pairs.flatMap((p) => p.nodes));
  v.pairs.forEach((p, i) => {
    // the first pair keeps the name it had when a topology had one pair at most
    out.push(`  subgraph cluster_pair${i === 0 ? '' : i} {`, `    label=${dotString(p.lines)};`, `    style=dashed;`);
    for (const h of v.hosts) if (p.nodes.includes(h.name)) out.push(`    ${hostNode(h)}`);
    out.push(`  }`);
  });
  for (const h of v.hosts) if (!inPair.has(h.name)) out.push(`  ${hostNode(h)}`);
  for (const h of v.hosts) {
    for (const l of h.links) out.push(`  ${h.id} -> ${l.network} [dir=none, label=${dotString(`${l.device} ${l.address}`)}];`);
  }
  for (const s of v.services) {
    const color = FORWARD_COLOR[s.forward]!;
    out.push(`  ${s.id} [label=${dotString([s.title, ...s.lines])}, shape=note, style=filled, fillcolor="#ffffff", color="${color}"];`);
    for (const d of s.directors) out.push(`  ${hostId.get(d)} -> ${s.id} [style=dashed, color="${color}"];`);
    for (const r of s.reals) out.push(`  ${s.id} -> ${hostId.get(r.host)} [label=${dotString(r.label)}, color="${color}"];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
