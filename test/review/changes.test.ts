// The change summary (src/review/changes.ts) on real renders of the examples
// and edits of them: which files change, which installer actions they
// trigger (distro.yaml's `then`), the pair's order, a new and a gone host,
// and secrets masked in every view, also a key lvsgen never saw.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { treeOf, type Tree } from '../../src/bundle/tree.js';
import { reviewChanges, type Review } from '../../src/review/changes.js';
import { reviewHtml } from '../../src/review/html.js';
import { reviewMarkdown } from '../../src/review/markdown.js';
import { PLAIN, reviewText, statText } from '../../src/review/text.js';
import type { Generated } from '../../src/pipeline.js';
import { example, generateText } from '../support/index.js';

const KEY = 'example-only-change-me';
const LB_NAT = readFileSync(example('lb-nat'), 'utf8');
const HA_CIDR = readFileSync(example('ha-cidr'), 'utf8');

function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the example holds ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** The review from the render of `before` (as on disk) to that of `after`. */
function review(before: Generated | Tree, after: Generated): Review {
  return reviewChanges({
    cluster: after.model.name,
    bundles: after.bundles,
    want: treeOf(after.bundles),
    have: before instanceof Map ? before : treeOf(before.bundles),
    secrets: after.model.secrets,
    ...(after.model.pair ? { pair: after.model.pair } : {}),
  });
}

const summary = (r: Review) => r.hosts.map((h) => ({ host: h.host, status: h.status, files: h.files.map((f) => `${f.kind} ${f.path}`), actions: h.actions.map((a) => `${a.name}: ${a.because.join(' ')}`) }));

test('a service dropped and a scheduler changed: the director changes, ldirectord restarts, rc.local goes back and triggers nothing', () => {
  const after = generateText(edit(edit(LB_NAT, '  - virtual: 10.1.3.61:21\n    protocol: tcp\n    scheduler: rr\n    persistent: 600\n    forward: masq\n    check: { type: connect }\n    real_servers: [real1, real2]\n\n', ''), '10.1.3.61:80\n    protocol: tcp\n    scheduler: rr', '10.1.3.61:80\n    protocol: tcp\n    scheduler: wlc'));
  const r = review(generateText(LB_NAT), after);
  assert.deepEqual(summary(r), [
    { host: 'director', status: 'changed', files: ['changed .lvsgen/plan', 'changed /etc/ha.d/ldirectord.cf', 'removed /etc/rc.d/rc.local'], actions: ['ldirectord: /etc/ha.d/ldirectord.cf'] },
    { host: 'real1', status: 'unchanged', files: [], actions: [] },
    { host: 'real2', status: 'unchanged', files: [], actions: [] },
  ]);
  assert.equal(r.pair, undefined);
  assert.match(reviewText(r, PLAIN), /^lb-nat: 1 host to change, 2 unchanged$/m);
});

test('a real server readdressed: its network restart (asked first) and the director\'s ldirectord; the manifest is never listed', () => {
  const after = generateText(edit(LB_NAT, '192.168.6.5/24', '192.168.6.6/24'));
  const r = review(generateText(LB_NAT), after);
  const real2 = r.hosts.find((h) => h.host === 'real2')!;
  assert.deepEqual(real2.actions.map((a) => [a.name, a.confirm]), [['network', true]]);
  assert.deepEqual(r.hosts.find((h) => h.host === 'director')!.actions.map((a) => a.name), ['ldirectord']);
  assert.ok(r.hosts.every((h) => h.files.every((f) => !f.path.endsWith('manifest'))));
  assert.match(reviewText(r, PLAIN), /then {4}network \(asks first: it can cut the connection\), for \/etc\/sysconfig\/network-scripts\/ifcfg-eth0:\n {12}\/etc\/init\.d\/network restart/);
});

test('a pair whose two nodes change: the standby first, then the active; one node alone: no order to give', () => {
  const after = generateText(edit(HA_CIDR, `key: ${KEY}`, 'key: a-rotated-key-1234'));
  const r = review(generateText(HA_CIDR), after);
  assert.deepEqual(r.pair, { first: 'node2', then: 'node1' });
  assert.match(reviewText(r, PLAIN), /^pair node2\/node1: change node2 \(standby\) first; node1 \(active\)/m);
  const have = treeOf(after.bundles);
  const f = have.get('node1/etc/ha.d/ha.cf')!;
  have.set('node1/etc/ha.d/ha.cf', { ...f, content: `${f.content}# edited by hand\n` });
  const one = review(have, after);
  assert.deepEqual(one.hosts.filter((h) => h.status === 'changed').map((h) => h.host), ['node1']);
  assert.equal(one.pair, undefined);
});

test('a new host: every file added, its installer counted and not shown; a host no longer in the topology: its files removed', () => {
  const after = generateText(LB_NAT);
  const have = treeOf(after.bundles);
  for (const p of [...have.keys()]) if (p.startsWith('real2/')) have.delete(p);
  have.set('old/etc/sysctl.conf', { content: 'net.ipv4.ip_forward = 1\n', mode: 0o644, secret: false });
  const r = review(have, after);
  const real2 = r.hosts.find((h) => h.host === 'real2')!;
  assert.equal(real2.status, 'new');
  assert.ok(real2.files.every((f) => f.kind === 'added'));
  assert.deepEqual(real2.files.filter((f) => f.hidden).map((f) => f.path), ['.lvsgen/install.sh']);
  assert.deepEqual(summary(r).find((h) => h.host === 'old'), { host: 'old', status: 'gone', files: ['removed /etc/sysctl.conf'], actions: [] });
  const text = reviewText(r, PLAIN);
  assert.match(text, /^\(the new host's installer: \d+ lines, not shown\)$/m);
  assert.doesNotMatch(text, /^\+\+\+ b\/real2\/\.lvsgen\/install\.sh$/m, 'no line of the installer is shown');
  assert.match(text, /^\+\+\+ b\/real2\/\.lvsgen\/plan$/m, 'its plan is');
  assert.match(text, /^--- \/dev\/null\n\+\+\+ b\/real2\/etc\/sysconfig\/network-scripts\/ifcfg-eth0$/m);
  assert.match(text, /^--- a\/old\/etc\/sysctl\.conf\n\+\+\+ \/dev\/null$/m);
});

test('secrets are masked, not hidden, in every view: the new key, and old values lvsgen never saw', () => {
  const seeds = generateText(HA_CIDR);
  const vrrp = generateText(HA_CIDR, 'debian12');
  const OLD = ['old-hidden-secret', 'oldpass9', 'old-ld-pw'];
  for (const after of [seeds, vrrp]) {
    const have = treeOf(after.bundles);
    for (const [p, f] of have) {
      if (p.endsWith('/authkeys')) have.set(p, { ...f, content: 'auth 1\n1 md5 old-hidden-secret\n' });
      if (p.endsWith('/keepalived.conf')) have.set(p, { ...f, content: f.content.replace(/auth_pass .*/, 'auth_pass oldpass9') });
    }
    const cf = { content: 'virtual=10.0.0.1:21\n\tpasswd=old-ld-pw\n', mode: 0o644, secret: false };
    have.set('node1/etc/ha.d/ldirectord.cf', cf);
    const r = review(have, after);
    const views = { text: reviewText(r, PLAIN), stat: statText(r, PLAIN), markdown: reviewMarkdown(r), html: reviewHtml(r) };
    for (const [name, v] of Object.entries(views)) {
      for (const s of [KEY, KEY.slice(0, 8), ...OLD]) assert.ok(!v.includes(s), `${name} view of ${after.bundles[0]!.distro} shows ${s}`);
    }
    assert.match(views.text, /^-\tpasswd=\*{8}$/m, 'the old passwd line is shown, its value masked');
    if (after === seeds) assert.match(views.text, /^-1 md5 \*{8}\n\+1 sha1 \*{8}$/m, 'the method change is shown, both keys masked');
    else assert.match(views.text, /^ {2}changed \/etc\/keepalived\/keepalived\.conf \(a secret value changed: not shown\)$/m, 'only the secret changed: said, not shown');
  }
});
