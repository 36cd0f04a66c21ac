// `lvsgen lab` in namespace mode over every examples/*.yaml on every distro
// the lab builds that accepts it, and over topologies the examples are not
// (other names, addresses, ports, numbers of real servers and services, mixed
// distros, rhel9 hosts, a pair whose addresses fail back). Each check of each lab is a
// subtest; on this kernel (no IPVS) exactly the checks that need IPVS are
// reported not run, and the exit status is 4. The labs share nothing (their
// own namespaces, roots and temporary directories): six run side by side
// (they mostly wait: on daemons, dead times and check intervals). Each
// example runs on every distro the lab builds (see cases(); LVSGEN_LAB_MATRIX=one:
// each on one).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { LAB_DISTROS } from '../../src/lab/tools.js';
import { requireTools, sh, tempDir } from '../support/index.js';
import { accepts, EXAMPLE_FILES, labAvailable, labPlan, labRefusal, LVSGEN, namespacesLeft, reportLab, runLab } from './lab-run.js';

/**
 * A NAT director on debian12 for real servers on three distros: weights (one
 * 0), a port mapped, UDP DNS, persistent SMTP; and IPv6 on prefixes of other
 * lengths than the examples' /64 (a /58 outside, a /120 for the servers), a
 * weighted IPv6 service and UDP DNS over IPv6 on the redhat and debian
 * servers (web-c has no IPv6).
 */
const SHOP = `name: shop
defaults: { distro: debian }
hosts:
  lb:
    roles: [director]
    distro: debian12
    interfaces: { eth0: [172.20.0.10/26, "fd20:0:0:40::10/58"], eth1: [10.9.9.1/24, "fd09:9::9:1/120"] }
  web-a: { roles: [real-server], distro: redhat, interfaces: { eth0: [10.9.9.21/24, "fd09:9::9:21/120"] } }
  web-b: { roles: [real-server], interfaces: { eth0: [10.9.9.22/24, "fd09:9::9:22/120"] } }
  web-c: { roles: [real-server], distro: debian12, interfaces: { eth0: 10.9.9.23/24 } }
ldirectord: { checkinterval: 2, checktimeout: 3, quiescent: false }
virtual_services:
  - virtual: 172.20.0.40:8080
    scheduler: wrr
    forward: masq
    check: { type: negotiate, service: http, request: alive.txt, receive: shop up }
    real_servers:
      - { host: web-a, port: 8000, weight: 3 }
      - { host: web-b, port: 8000, weight: 1 }
      - { host: web-c, port: 8000, weight: 0 }
  - virtual: 172.20.0.40:53
    protocol: udp
    scheduler: rr
    forward: masq
    check: { type: negotiate, service: dns, request: shop.example, receive: 192.0.2.7 }
    real_servers: [web-a, web-b]
  - virtual: 172.20.0.41:25
    scheduler: lc
    persistent: 120
    forward: masq
    check: { type: connect }
    real_servers: [web-c, web-b]
  - virtual: "[fd20:0:0:40::40]:8080"
    scheduler: wrr
    forward: masq
    check: { type: negotiate, service: http, request: alive.txt, receive: shop up }
    real_servers:
      - { host: web-a, port: 8000, weight: 3 }
      - { host: web-b, port: 8000, weight: 1 }
  - virtual: "[fd20:0:0:40::40]:53"
    protocol: udp
    scheduler: rr
    forward: masq
    check: { type: negotiate, service: dns, request: shop.example, receive: 192.0.2.7 }
    real_servers: [web-a, web-b]
`;

/** A heartbeat pair of a redhat and a debian node behind a redhat router: two floating addresses, a /22, auto_failback on. */
const EDGE = `name: edge
defaults: { distro: debian }
hosts:
  gw: { roles: [router], distro: redhat, interfaces: { eth0: 10.40.0.1/16, eth1: 203.0.113.1/28 } }
  ha-x: { roles: [real-server], interfaces: { eth0: 10.40.0.5/16 } }
  ha-y: { roles: [real-server], distro: redhat, interfaces: { eth0: 10.40.0.6/16 } }
heartbeat:
  nodes: [ha-y, ha-x]
  floating: [10.40.9.9/16, 10.40.9.10/16]
  virtual_network: 100.64.8.0/22
  keepalive: 1
  deadtime: 5
  initdead: 15
  auto_failback: true
  auth: { method: md5, key: lab-test-only }
`;

/**
 * Direct routing from a heartbeat pair of directors of two distros (debian,
 * redhat) to debian12 real servers (the address on their loopback, ARP kept
 * quiet); the virtual address floats and fails back.
 */
const DR = `name: dr-web
defaults: { distro: debian12 }
hosts:
  front-a: { roles: [director], distro: debian, interfaces: { eth0: 192.0.2.2/24 } }
  front-b: { roles: [director], distro: redhat, interfaces: { eth0: 192.0.2.3/24 } }
  app1: { roles: [real-server], interfaces: { eth0: 192.0.2.31/24 } }
  app2: { roles: [real-server], interfaces: { eth0: 192.0.2.32/24 } }
ldirectord: { checkinterval: 2, quiescent: true }
virtual_services:
  - virtual: 192.0.2.80:80
    scheduler: rr
    forward: gate
    check: { type: negotiate, request: health, receive: ok }
    real_servers: [app1, app2]
heartbeat:
  nodes: [front-a, front-b]
  floating: [192.0.2.80/24]
  keepalive: 1
  deadtime: 5
  initdead: 15
  auto_failback: true
  auth: { method: sha1, key: lab-test-only }
`;

/**
 * Two heartbeat pairs of directors (debian and redhat nodes in each), direct
 * routing to three shared real servers, each pair with its own floating
 * address and its own heartbeat port (derived: 694, 695): each pair's
 * failover leaves the other's address where it is.
 */
const DUO = `name: duo
defaults: { distro: debian }
hosts:
  east-1: { roles: [director], interfaces: { eth0: 198.51.100.11/24 } }
  east-2: { roles: [director], distro: redhat, interfaces: { eth0: 198.51.100.12/24 } }
  west-1: { roles: [director], distro: redhat, interfaces: { eth0: 198.51.100.21/24 } }
  west-2: { roles: [director], interfaces: { eth0: 198.51.100.22/24 } }
  srv-a: { roles: [real-server], distro: debian12, interfaces: { eth0: 198.51.100.41/24 } }
  srv-b: { roles: [real-server], interfaces: { eth0: 198.51.100.42/24 } }
  srv-c: { roles: [real-server], distro: redhat, interfaces: { eth0: 198.51.100.43/24 } }
ldirectord: { checkinterval: 2, quiescent: true }
virtual_services:
  - virtual: 198.51.100.80:80
    scheduler: rr
    forward: gate
    check: { type: negotiate, request: health, receive: ok }
    real_servers: [srv-a, srv-b, srv-c]
  - virtual: 198.51.100.90:8000
    scheduler: wrr
    forward: gate
    check: { type: connect }
    real_servers: [srv-a, srv-b, srv-c]
pairs:
  - nodes: [east-1, east-2]
    floating: [198.51.100.80/24]
    keepalive: 1
    deadtime: 5
    initdead: 15
    auto_failback: true
    auth: { method: sha1, key: lab-test-only }
  - nodes: [west-1, west-2]
    floating: [198.51.100.90/24]
    keepalive: 1
    deadtime: 5
    initdead: 15
    auth: { method: md5, key: lab-test-other }
`;

/**
 * rhel9 hosts (NetworkManager profiles, firewalld, the systemctl stand-in)
 * behind a debian director (ldirectord: rhel9's own director, keepalived,
 * needs IPVS): a rhel9 router in front, two NAT real servers with weights,
 * and a direct-routing one (its virtual address on a loopback profile, ARP
 * kept quiet by sysctl.d).
 */
const RHEL = `name: rhel-mix
defaults: { distro: rhel9 }
hosts:
  gw: { roles: [router], interfaces: { eth0: 203.0.113.17/28, eth1: 10.70.0.1/24 } }
  lb:
    roles: [director]
    distro: debian
    interfaces: { eth0: 10.70.0.10/24, eth1: 10.71.0.1/24 }
  app-a: { roles: [real-server], interfaces: { eth0: 10.71.0.21/24 } }
  app-b: { roles: [real-server], interfaces: { eth0: 10.71.0.22/24 } }
  app-c: { roles: [real-server], interfaces: { eth0: 10.70.0.23/24 } }
ldirectord: { checkinterval: 2, checktimeout: 3, quiescent: false }
virtual_services:
  - virtual: 10.70.0.50:80
    scheduler: wrr
    forward: masq
    check: { type: negotiate, service: http, request: alive.txt, receive: up }
    real_servers:
      - { host: app-a, weight: 2 }
      - { host: app-b, weight: 1 }
  - virtual: 10.70.0.51:8443
    scheduler: rr
    forward: gate
    check: { type: connect }
    real_servers: [app-c]
`;

interface Case { title: string; file: string; text: string; distro?: string }

/**
 * Every example on every distro the lab builds (19 labs on 2026-12-07); every
 * distro that refuses an example is still asked, which costs nothing.
 * LVSGEN_LAB_MATRIX=one runs each example once instead, on the distro the
 * examples so far have used least (ties: LAB_DISTROS order), so that every
 * distro's files still run in some lab (7 labs).
 */
function cases(): Case[] {
  const out: Case[] = [];
  const all = process.env.LVSGEN_LAB_MATRIX !== 'one';
  const used = new Map<string, number>(LAB_DISTROS.map((d) => [d, 0]));
  for (const file of EXAMPLE_FILES) {
    const text = readFileSync(file, 'utf8');
    const accepted = LAB_DISTROS.filter((d) => accepts(text, d));
    const built = accepted.filter((d) => labRefusal(text, d) === undefined);
    const least = [...built].sort((a, b) => used.get(a)! - used.get(b)!)[0];
    for (const d of accepted) {
      if (!all && built.includes(d) && d !== least) continue;
      if (built.includes(d)) used.set(d, used.get(d)! + 1);
      out.push({ title: `${basename(file, '.yaml')} on ${d}`, file, text, distro: d });
    }
  }
  for (const [name, text] of [['shop', SHOP], ['edge', EDGE], ['dr-web', DR], ['duo', DUO], ['rhel-mix', RHEL]] as const) out.push({ title: `${name} (held in the test, mixed distros)`, file: name, text });
  return out;
}

describe('lvsgen lab, namespace mode', { concurrency: 6 }, () => {
  for (const c of cases()) {
    const refusal = labRefusal(c.text, c.distro);
    if (refusal !== undefined) {
      // not built (tunnelling; keepalived directors on a kernel without IPVS): the lab says so, exit 2, nothing run
      it(`${c.title}: refused, saying why (${refusal.split(' (')[0]})`, () => {
        const r = sh(process.execPath, [LVSGEN, 'lab', c.file, '--no-vm', ...(c.distro ? ['--distro', c.distro] : [])]);
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.ok(r.stderr.includes(refusal), r.stderr);
        assert.equal(r.stdout, '');
      });
      continue;
    }
    it(c.title, { timeout: 900_000 }, async (t) => {
      const plan = labPlan(c.text, c.distro);
      if (!labAvailable(t, plan)) return;
      let file = c.file;
      if (!file.startsWith('/')) {
        file = join(tempDir(t, 'lvsgen-e2e-topology-'), `${c.file}.yaml`);
        writeFileSync(file, c.text);
      }
      const run = await runLab(t, file, c.distro ? ['--distro', c.distro] : [], 840_000);
      t.diagnostic(`lvsgen lab ${c.title}: ${(run.ms / 1000).toFixed(0)} s, exit ${run.status}`);
      await reportLab(t, plan, run);
    });
  }

  it('the labs above build every distro the lab knows, and every example that some distro builds', () => {
    const built = cases().filter((c) => labRefusal(c.text, c.distro) === undefined);
    // an example's hosts are of its --distro; a topology held here names its own
    const distros = built.flatMap((c) => labPlan(c.text, c.distro).hosts.map((h) => h.distro));
    assert.deepEqual([...new Set(distros)].sort(), [...LAB_DISTROS].sort());
    const buildable = EXAMPLE_FILES.filter((f) => { const text = readFileSync(f, 'utf8'); return LAB_DISTROS.some((d) => accepts(text, d) && labRefusal(text, d) === undefined); });
    assert.deepEqual([...new Set(built.filter((c) => c.distro).map((c) => c.file))].sort(), [...buildable].sort());
  });

  it('IPv6: the examples with IPv6 run as labs above, each on a distro whose backends run here, with IPv6 checks; only ha-lb-ipv6 on debian12 (keepalived) is refused', () => {
    const built = cases().filter((c) => c.distro && labRefusal(c.text, c.distro) === undefined);
    for (const name of ['lb-ipv6.yaml', 'ha-lb-ipv6.yaml']) {
      const c = built.find((x) => basename(x.file) === name);
      assert.ok(c, `${name} runs as a lab`);
      const ids = labPlan(c.text, c.distro).checks.map((x) => x.id);
      for (const kind of ['addr6.', 'gw6.', 'fwd6.', 'route6.', 'ping.2001:db8:3::61']) assert.ok(ids.some((id) => id.startsWith(kind)), `${name}: a ${kind} check`);
    }
    const ha = readFileSync(EXAMPLE_FILES.find((f) => basename(f) === 'ha-lb-ipv6.yaml')!, 'utf8');
    assert.match(labRefusal(ha, 'debian12') ?? '', /^keepalived on director lvs1, lvs2 needs IPVS/);
    for (const d of ['redhat', 'debian']) assert.equal(labRefusal(ha, d), undefined);
    assert.ok(labPlan(ha, 'debian').checks.find((x) => x.id === 'ha.failover')!.run.includes('2001:db8:6::1'), 'the floating IPv6 gateway fails over');
  });

  it('Ctrl-C: the lab stops, removes its namespaces, processes and directories, exit 130', { timeout: 300_000 }, async (t) => {
    const file = EXAMPLE_FILES.find((f) => basename(f) === 'lb-nat.yaml')!;
    if (!labAvailable(t, labPlan(readFileSync(file, 'utf8'), 'debian'))) return;
    const tmp = tempDir(t, 'lvsgen-e2e-lab-int-');
    // interrupted in the middle: hosts up, an installer running
    const { status, out, prefix } = await interrupted(['lab', file, '--distro', 'debian', '--no-vm'], /installing director/, { ...process.env, TMPDIR: tmp });
    assert.equal(status, 130, out);
    assert.deepEqual(namespacesLeft(prefix), []);
    assert.deepEqual(readdirSync(tmp), [], 'its temporary directory is gone');
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(tmp), 'no mount left under it');
  });

  it('lab up interrupted (Ctrl-C) while it builds: removes its namespaces and DIR, exit 130 (not 2: nothing is wrong with the machine)', { timeout: 300_000 }, async (t) => {
    const file = EXAMPLE_FILES.find((f) => basename(f) === 'lb-nat.yaml')!;
    if (!labAvailable(t, labPlan(readFileSync(file, 'utf8'), 'debian')) || !requireTools(t, 'sshd', 'ssh-keygen')) return;
    const tmp = tempDir(t, 'lvsgen-e2e-labup-int-');
    const key = join(tmp, 'key');
    assert.equal(sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status, 0);
    const dir = join(tmp, 'lab');
    const { status, out, prefix } = await interrupted(['lab', 'up', file, dir, '--ssh', `${key}.pub`, '--distro', 'debian'], /building .*\(lab[0-9a-z]+-\*\)/, process.env);
    assert.equal(status, 130, out);
    assert.deepEqual(namespacesLeft(prefix), []);
    assert.ok(!existsSync(dir), 'DIR is gone');
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(tmp), 'no mount left under it');
  });
});

/** `lvsgen ARGS`, sent SIGINT (Ctrl-C) once its output matches `when`; its status, output and namespace prefix. */
async function interrupted(args: string[], when: RegExp, env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string; prefix: string }> {
  const child = spawn(process.execPath, [LVSGEN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const status = await new Promise<number | null>((resolve) => {
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && when.test(out)) { sent = true; child.kill('SIGINT'); }
    });
    child.on('close', resolve);
  });
  const prefix = /namespaces \((lab[0-9a-z]+)-\*\)/.exec(out)?.[1];
  assert.ok(prefix, `the lab names its namespaces: ${out}`);
  return { status, out, prefix };
}
