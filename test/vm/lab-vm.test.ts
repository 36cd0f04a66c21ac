// `lvsgen lab --vm`: whole clusters under real IPVS, each lab inside a qemu
// VM of its own booting Debian's kernel (docs/lab.md, "The VM mode"), run
// exactly as a user runs it. Between them the labs cover every forwarding
// method (masq, gate, ipip), firewall-mark services and both kinds of pair
// (VRRP, and heartbeat starting ldirectord), each pair failing over while its
// virtual services are checked through the standby's real IPVS table, and a
// connection held open across a failover (the sync daemon). In the VM every
// check runs: one reported "not run" fails here.
//
// The VM emulates its CPU (TCG), so these labs take minutes: `make test` runs
// this directory beside the rest of the tests (see the Makefile), and the labs
// here one after the other (two VMs side by side, with the namespace labs in a
// stream of their own, took 33-34 minutes against 29, and a process of the
// rest's died of a signal there once; docs/lab.md). LVSGEN_LAB_VM="example:distro ..."
// runs other labs instead (an example's name, or a topology file's path, with
// `:distro` or without it for each host's own distro; the coverage test then
// judges the default set only).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { forwardMethods } from '../../src/lab/plan.js';
import { REPO } from '../support/index.js';
import { labAvailable, labPlan, pipeline, runLab } from '../e2e/lab-run.js';
import type { CheckResult } from '../../src/lab/report.js';

/**
 * test/vm/nat-pair.yaml (each host on its own distro): a VRRP pair of
 * keepalived directors on rhel9 (NetworkManager, and firewalld, whose forward
 * filter drops the real servers' replies unless IPVS keeps conntrack entries)
 * moves a NAT service's virtual address and the real servers' gateway
 * together (masq), in front of two debian12 real servers: rhel9 directors run
 * nowhere else in make test (the namespace mode refuses keepalived directors
 * on a kernel without IPVS);
 * test/vm/dr-tun-fwmark.yaml on debian: a heartbeat pair of ldirectord
 * directors (heartbeat moves the addresses and starts ldirectord) forwarding
 * by direct routing (gate), by tunnelling (ipip) and a firewall-mark service
 * (high-capacity's methods, at half its hosts: under emulation each host's
 * build and install takes a minute or more).
 * Measured alone on a quiet machine (2026-12-07, /usr/bin/time):
 * dr-tun-fwmark on debian 669 s and 1000 s of CPU (about 750 s as debian12's
 * VRRP pair: each takeover starts five resources one after another,
 * ldirectord, Perl, among them); examples/ha-lb.yaml, the first lab before,
 * 737 s of CPU on rhel9 and 484 s on debian12: a rhel9 host costs half as much
 * again (NetworkManager and firewalld, Python), so nat-pair's real servers
 * run debian12.
 */
const DEFAULT = ['test/vm/nat-pair.yaml', 'test/vm/dr-tun-fwmark.yaml:debian'];

interface Lab { example: string; distro: string; file: string; text: string }

function labs(spec: string[]): Lab[] {
  return spec.map((s) => {
    // example:distro, file.yaml:distro, or file.yaml (each host on its own distro)
    const at = s.endsWith('.yaml') ? s.length : s.lastIndexOf(':');
    assert.ok(at > 0, `LVSGEN_LAB_VM: "${s}" is not example:distro, topology.yaml:distro or topology.yaml`);
    const [example, distro] = [s.slice(0, at), s.slice(at + 1)];
    const file = example.endsWith('.yaml') ? join(REPO, example) : join(REPO, 'examples', `${example}.yaml`);
    return { example: basename(file, '.yaml'), distro, file, text: readFileSync(file, 'utf8') };
  });
}

/** What a lab proves under real IPVS: its forwarding methods (and firewall marks), the kinds of pair that fail over through a checked table, and its directors' distros. */
function covers(lab: Lab): { forward: Set<string>; pairs: Set<string>; carried: boolean; directors: string[] } {
  const hosts = pipeline(lab.text, lab.distro).model.hosts;
  const forward = new Set<string>(hosts.flatMap((h) => [...forwardMethods(h)]));
  if (hosts.some((h) => h.director?.services.some((s) => s.fwmark !== undefined))) forward.add('fwmark');
  const plan = labPlan(lab.text, lab.distro);
  const pairs = new Set<string>();
  for (const c of plan.checks.filter((x) => x.id.startsWith('ha.failover'))) {
    const [, , standby, kind] = c.run;
    // the standby's table is compared with lvsgen ipvsadm's prediction after the failover
    if (plan.checks.some((x) => x.id === `table.${standby}`) && kind) pairs.add(kind);
  }
  // a connection held open through the failover (the sync daemon's entry on the standby)
  const carried = plan.checks.some((x) => x.id.startsWith('ha.carried'));
  return { forward, pairs, carried, directors: hosts.filter((h) => h.roles.director).map((h) => h.distro) };
}

const chosen = process.env.LVSGEN_LAB_VM ? process.env.LVSGEN_LAB_VM.split(/[\s,]+/).filter(Boolean) : DEFAULT;

describe('lvsgen lab --vm (real IPVS in a VM)', () => {
  it('the default labs cover masq, gate, ipip and firewall marks, heartbeat and VRRP failovers through a checked table, a connection carried over a failover, and rhel9 directors', () => {
    const all = labs(DEFAULT).map(covers);
    assert.deepEqual([...new Set(all.flatMap((c) => [...c.forward]))].sort(), ['fwmark', 'gate', 'ipip', 'masq']);
    assert.deepEqual([...new Set(all.flatMap((c) => [...c.pairs]))].sort(), ['heartbeat', 'vrrp']);
    assert.ok(all.some((c) => c.carried), 'no default lab holds a connection over a failover (ha.carried)');
    // rhel9's directors (keepalived, which needs IPVS) are built nowhere else in make test
    const directors = all.flatMap((c) => c.directors);
    assert.ok(directors.includes('rhel9'), `no default lab has a rhel9 director: ${[...new Set(directors)].join(', ')}`);
  });

  for (const lab of labs(chosen)) {
    const on = lab.distro || [...new Set(pipeline(lab.text).model.hosts.map((h) => h.distro))].join(' and ');
    it(`${lab.example} on ${on}`, { timeout: 3_700_000 }, async (t) => {
      const plan = labPlan(lab.text, lab.distro);
      if (!labAvailable(t, plan)) return;
      const run = await runLab(t, lab.file, lab.distro ? ['--distro', lab.distro] : [], 3_600_000, 'vm');
      t.diagnostic(`lvsgen lab --vm ${lab.example} on ${on}: ${(run.ms / 1000).toFixed(0)} s, exit ${run.status}`);
      // how long each pair took, so that a run's log shows the margins' room
      for (const r of run.results.filter((x) => /^ha\.(holds|failover)/.test(x.id))) t.diagnostic(`${r.name}: ${r.seen}`);
      const tail = run.output.split('\n').slice(-40).join('\n');
      for (const r of run.results) await t.test(r.name, () => assert.equal(r.status, 'pass', `${r.status}: expected ${r.expected}; seen ${r.seen}`));
      await t.test('every check of the plan ran and passed; exit 0', () => {
        assert.ok(!run.timedOut, `timed out after ${run.ms} ms\n${tail}`);
        for (const c of plan.checks) assert.ok(run.results.some((r: CheckResult) => r.id === c.id || r.id.startsWith(`${c.id}: `)), `no result for ${c.id}\n${tail}`);
        assert.deepEqual(run.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.seen}`), []);
        assert.equal(run.status, 0, tail);
      });
    });
  }
});
