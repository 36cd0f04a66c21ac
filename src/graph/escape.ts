// Quoting for the graph formats, one helper per format (the house rule:
// escaping lives in typed helpers, never ad hoc in the writers).

/** XML text and attribute values (SVG): the five predefined entities. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A DOT quoted string (https://graphviz.org/doc/info/lang.html): `"` and `\`
 * escaped; lines joined with `\n`, which Graphviz centres in a label.
 */
export function dotString(lines: string | readonly string[]): string {
  const text = (typeof lines === 'string' ? [lines] : lines).map((l) => l.replace(/[\\"]/g, (c) => `\\${c}`)).join('\\n');
  return `"${text}"`;
}

/**
 * A Mermaid label in double quotes (https://mermaid.js.org/syntax/flowchart.html,
 * "Entity codes to escape characters"): `"` as #quot;, `#` as #35;, `<` and `>` as
 * entity codes so they are not read as HTML; lines joined with <br/>.
 */
export function mermaidString(lines: string | readonly string[]): string {
  const esc = (l: string) => l.replace(/[#"<>]/g, (c) => ({ '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;' })[c]!);
  return `"${(typeof lines === 'string' ? [lines] : lines).map(esc).join('<br/>')}"`;
}
