// lvsgen ansible without hosts: the inventory as data (plays, pair, drains,
// ansible_host), read back by Ansible's own ansible-inventory, the playbook
// through ansible-playbook --syntax-check, and the command's edges (bad
// input writes nothing; an unchanged run rewrites nothing).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { drainsOf, playOf, renderInventory } from '../../src/ansible/inventory.js';
import { bundlesOf, cli, generateText, PAIR, requireTools, run, sourceFile, tempDir } from '../support/index.js';

test('the inventory: ansible_host, one play per host, the pair, drains per real server; same bytes twice', () => {
  const nat = bundlesOf('lb-nat').model;
  assert.equal(renderInventory(nat), renderInventory(nat));
  const inv = parse(renderInventory(nat)) as { all: { hosts: Record<string, Record<string, unknown>>; children: Record<string, { hosts: Record<string, null> | null }> } };
  assert.equal(inv.all.hosts.director!.ansible_host, '10.1.3.1');
  assert.deepEqual(Object.keys(inv.all.children.lvsgen_play_real_servers!.hosts ?? {}), ['real1', 'real2']);
  assert.deepEqual(drainsOf(nat).get('real1'), [
    { director: 'director', service: ['-t', '10.1.3.61:21'], real: '192.168.6.4:21', method: '-m', weight: 1 },
    { director: 'director', service: ['-t', '10.1.3.61:80'], real: '192.168.6.4:80', method: '-m', weight: 1 },
    { director: 'director', service: ['-t', '10.1.3.61:443'], real: '192.168.6.4:443', method: '-m', weight: 1 },
  ]);
  // ha-cidr: the pair's nodes are real servers, deployed in the pair's plays, not with the real servers.
  const ha = bundlesOf('ha-cidr').model;
  assert.deepEqual(ha.hosts.map((h) => [h.name, playOf(h, ha)]), [['node1', 'pair'], ['node2', 'pair'], ['router', 'routers']]);
  const hav = parse(renderInventory(ha)) as { all: { hosts: Record<string, Record<string, unknown>> } };
  assert.deepEqual([hav.all.hosts.node1!.lvsgen_pair_peer, hav.all.hosts.node1!.lvsgen_pair_preferred, hav.all.hosts.node1!.lvsgen_pair_floating], ['node2', true, '192.168.6.240']);
  assert.equal(hav.all.hosts.node2!.lvsgen_pair_preferred, false);
  // A director pair (keepalived): weights from the topology.
  const pair = generateText(PAIR.replace('real_servers: [rs1, rs2]', 'real_servers: [rs1, { host: rs2, weight: 5 }]')).model;
  assert.deepEqual(drainsOf(pair).get('rs2')!.map((d) => [d.director, d.weight]), [['dir1', 5], ['dir2', 5]]);
});

test('manage_address: an address or DNS name becomes ansible_host; anything else is refused at its line', async (t) => {
  const ok = generateText(PAIR.replace('rs1: { roles: [real-server],', 'rs1: { roles: [real-server], manage_address: rs1.mgmt.example.org,')).model;
  assert.equal(ok.hosts.find((h) => h.name === 'rs1')!.manageAddress, 'rs1.mgmt.example.org');
  const dir = tempDir(t, 'lvsgen-ansible-');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, PAIR.replace('rs1: { roles: [real-server],', 'rs1: { roles: [real-server], manage_address: "not an address",'));
  const r = await cli('ansible', bad, '-o', join(dir, 'out'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.yaml:7:\d+: error \[invalid-address\] hosts\.rs1\.manage_address/);
  assert.equal(existsSync(join(dir, 'out')), false, 'nothing written');
});

test('Ansible reads the inventory (ansible-inventory) and the playbook (--syntax-check); an unchanged run rewrites nothing', async (t) => {
  if (!requireTools(t, 'ansible-playbook', 'ansible-inventory')) return;
  const dir = tempDir(t, 'lvsgen-ansible-');
  const out = join(dir, 'deploy');
  const first = await cli('ansible', sourceFile('examples/ha-cidr.yaml'), '-o', out);
  assert.equal(first.status, 0, first.stderr);
  const env = { ...process.env, ANSIBLE_HOME: join(dir, 'home'), ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_NOCOLOR: '1' };
  const listed = JSON.parse(run('ansible-inventory', ['--list'], { cwd: out, env }).stdout) as Record<string, { hosts?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };
  assert.deepEqual(listed.lvsgen_pair?.hosts, ['node1', 'node2']);
  assert.deepEqual(listed.lvsgen_play_routers?.hosts, ['router']);
  assert.equal(listed._meta.hostvars.router!.ansible_host, '192.168.6.1');
  const syntax = run('ansible-playbook', ['--syntax-check', 'site.yml'], { cwd: out, env });
  assert.doesNotMatch(syntax.stdout + syntax.stderr, /WARNING|ERROR/);
  // Tags per role: each selects its own plays' tasks (and the pair's lookup, tagged always).
  for (const [tag, plays] of [['real-server', ['Real servers, in batches']], ['router', ['Routers, one at a time']], ['director', ['Directors, one at a time']], ['pair', ["The pair's standby node", "The pair's active node"]]] as const) {
    const listed = run('ansible-playbook', ['--list-tasks', '--tags', tag, 'site.yml'], { cwd: out, env }).stdout;
    const withTasks = listed.split(/\n\s*play #\d+ /).slice(1).filter((p) => /tasks:\n\s+\S/.test(p)).map((p) => /^\([^)]*\): (.*?)\tTAGS/.exec(p)?.[1]);
    assert.deepEqual(withTasks, ['Find which node of the pair is active', ...plays], `--tags ${tag}:\n${listed}`);
  }
  // The tarball that holds the heartbeat key is 0600; the router's is not.
  assert.equal(statSync(join(out, 'bundles/node1.tar.gz')).mode & 0o777, 0o600);
  assert.equal(statSync(join(out, 'bundles/router.tar.gz')).mode & 0o777, 0o644);
  const before = statSync(join(out, 'bundles/node1.tar.gz'));
  const again = await cli('ansible', sourceFile('examples/ha-cidr.yaml'), '-o', out);
  assert.match(again.stdout, /up to date/);
  assert.equal(statSync(join(out, 'bundles/node1.tar.gz')).mtimeMs, before.mtimeMs);
  assert.equal(readFileSync(join(out, 'site.yml'), 'utf8'), readFileSync(sourceFile('ansible/site.yml'), 'utf8'));
});
