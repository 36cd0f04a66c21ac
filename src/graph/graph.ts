// `lvsgen graph`: the derived model as a diagram, one writer per format behind
// a name-to-writer table. Pure: model in, text out.
import type { DerivedModel } from '../derive/model.js';
import { renderDot } from './dot.js';
import { renderMermaid } from './mermaid.js';
import { renderSvg } from './svg.js';
import { graphView, type GraphView } from './view.js';

export const GRAPH_FORMATS = ['svg', 'dot', 'mermaid'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

const WRITERS: Record<GraphFormat, (v: GraphView) => string> = { svg: renderSvg, dot: renderDot, mermaid: renderMermaid };

/** The format a file name implies (.svg, .dot/.gv, .mmd/.mermaid), if any. */
export function formatOfFile(file: string): GraphFormat | undefined {
  const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase();
  return ext === 'svg' ? 'svg' : ext === 'dot' || ext === 'gv' ? 'dot' : ext === 'mmd' || ext === 'mermaid' ? 'mermaid' : undefined;
}

export function renderGraph(model: DerivedModel, format: GraphFormat): string {
  return WRITERS[format](graphView(model));
}
