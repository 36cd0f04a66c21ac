// Shared by the end-to-end tests: rendering fresh bundles with bin/lvsgen,
// wiring an example's hosts into LANs, running the proof scripts with a bound
// and reporting their PASS/FAIL/KNOWN lines as subtests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { example, REPO, sh, tempDir } from '../helpers.js';

export const E2E = join(REPO, 'test', 'e2e');

/**
 * The distros this proof covers: the seeds' Red Hat and Debian of 2005, whose
 * installers the kit knows how to run (kit/redhat replays Red Hat's
 * initscripts; Debian's ifupdown and init scripts are the test machine's own).
 */
export const SEED_DISTROS = ['redhat', 'debian'] as const;
/**
 * The distros tier 1 runs: the seeds' and Debian 12 (ifupdown drop-ins,
 * sysctl.d, modules-load.d, nftables, systemd units driven through kit/debian12's
 * systemctl; ha-cidr's pair as keepalived VRRP).
 */
export const TIER1_DISTROS = [...SEED_DISTROS, 'debian12'] as const;
export const LVSGEN = join(REPO, 'bin', 'lvsgen');

/** The tools the proof runs (the real consumers of the generated files). */
export const TIER1_TOOLS = [
  'ip', 'unshare', 'nsenter', 'chroot', 'mount', 'ifup', 'ifdown', 'ifquery', 'iptables',
  'iptables-restore', 'sysctl', 'route', 'ifconfig', 'ldirectord', 'perl', 'curl', 'busybox', 'openssl',
  'ping', 'update-rc.d', '/usr/libexec/heartbeat/heartbeat', '/etc/ha.d/resource.d/IPaddr', 'timeout',
];

/** What a distro's hosts run beyond TIER1_TOOLS (the machine's systemctl is kept for enable/disable). */
export const DISTRO_TOOLS: Record<string, string[]> = {
  debian12: ['nft', 'keepalived', 'systemctl'],
};

/** `lvsgen render EXAMPLE -o DIR --distro DISTRO`, with the real CLI. */
export function render(name: string, distro: string, dir: string): void {
  const r = sh(LVSGEN, ['render', example(name), '-o', dir, '--distro', distro]);
  assert.equal(r.status, 0, `lvsgen render ${name} --distro ${distro}: ${r.stderr}${r.stdout}`);
}

/** `lvsgen ipvsadm EXAMPLE`: the table each director should show. */
export function predictTable(name: string): string {
  const r = sh(LVSGEN, ['ipvsadm', example(name)]);
  assert.equal(r.status, 0, `lvsgen ipvsadm ${name}: ${r.stderr}`);
  return r.stdout;
}

interface Topology {
  hosts: Record<string, { roles?: string[]; interfaces: Record<string, string> }>;
}

const ip2n = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const n2ip = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/**
 * The wiring file of lib/cluster.sh for an example topology (the input, not the
 * generated files): one LAN per IPv4 network of the hosts' interfaces, every
 * interface plugged into its network's LAN, and a client on the outside: the
 * LAN with the fewest hosts (the external side of the director or router), at
 * the first free address from .100, with that LAN's host as its gateway.
 */
export function wiring(name: string, distro: string): string {
  const topo = parse(readFileSync(example(name), 'utf8')) as Topology;
  const lans = new Map<string, { prefix: number; members: { host: string; iface: string; addr: string }[] }>();
  for (const [host, h] of Object.entries(topo.hosts)) {
    for (const [iface, cidr] of Object.entries(h.interfaces)) {
      const [addr, p] = cidr.split('/');
      const prefix = Number(p);
      const net = n2ip(Math.floor(ip2n(addr!) / 2 ** (32 - prefix)) * 2 ** (32 - prefix));
      const key = `${net}/${prefix}`;
      if (!lans.has(key)) lans.set(key, { prefix, members: [] });
      lans.get(key)!.members.push({ host, iface, addr: addr! });
    }
  }
  const lines = [`# ${name} (${distro}): LANs by network, from ${example(name)}`];
  for (const key of lans.keys()) lines.push(`lan ${key}`);
  for (const host of Object.keys(topo.hosts)) lines.push(`host ${host} ${distro}`);
  for (const [key, lan] of lans) for (const m of lan.members) lines.push(`link ${m.host} ${m.iface} ${key}`);
  const [outside, lan] = [...lans.entries()].sort((a, b) => a[1].members.length - b[1].members.length)[0]!;
  const used = new Set(lan.members.map((m) => m.addr));
  const base = ip2n(outside.split('/')[0]!);
  let client = base + 100;
  while (used.has(n2ip(client))) client++;
  lines.push(`client ${outside} ${n2ip(client)}/${lan.prefix} ${lan.members[0]!.addr}`);
  return `${lines.join('\n')}\n`;
}

export interface Ran {
  status: number | null;
  signal: string | null;
  output: string;
  timedOut: boolean;
  ms: number;
}

let runs = 0;
/** A namespace prefix of our own for one proof run (its E2E_PREFIX). */
export function nsPrefix(): string {
  return `lv${process.pid}r${++runs}`;
}

/**
 * The safety net behind a script's own trap: every network namespace whose
 * name starts with PREFIX- (only ours: the prefix holds this process's pid)
 * loses its processes, by pid, and is deleted.
 */
export function removeNamespaces(prefix: string): string[] {
  const list = sh('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
  for (const ns of list) {
    const pids = sh('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number);
    for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    sh('ip', ['netns', 'del', ns]);
  }
  return list;
}

/**
 * Run a proof script, bounded: at the limit it gets SIGTERM (its trap removes
 * its namespaces and processes), 20 s later SIGKILL for its process group. A
 * test that ends early (t.after) stops it the same way. With `prefix`, any
 * namespace the script left behind is removed afterwards (removeNamespaces).
 */
export function runBounded(t: TestContext, cmd: string, args: string[], limitMs: number, env: NodeJS.ProcessEnv = {}, prefix?: string): Promise<Ran> {
  if (prefix) {
    t.after(() => {
      const left = removeNamespaces(prefix);
      if (left.length) t.diagnostic(`removed namespaces the script left: ${left.join(' ')}`);
    });
  }
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let timedOut = false;
    let done = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let killer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (done || child.pid === undefined) return;
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      killer = setTimeout(() => {
        if (!done && child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      }, 20_000);
    };
    const timer = setTimeout(() => { timedOut = true; stop(); }, limitMs);
    t.after(stop);
    child.on('close', (status, signal) => {
      done = true;
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      resolve({ status, signal, output, timedOut, ms: Date.now() - started });
    });
  });
}

export interface Line {
  kind: 'PASS' | 'FAIL' | 'KNOWN' | 'SKIP' | 'INFO' | 'RESULT';
  name: string;
  detail: string;
}

/** PASS name / FAIL name<TAB>detail / KNOWN|SKIP name<TAB>why / INFO text / RESULT PASS|FAIL */
export function parseResult(text: string): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const m = /^(PASS|FAIL|KNOWN|SKIP|INFO|RESULT) ([^\t]*)(?:\t(.*))?$/.exec(raw);
    if (m) out.push({ kind: m[1] as Line['kind'], name: m[2]!, detail: m[3] ?? '' });
  }
  return out;
}

/**
 * Report a script's result file as subtests: PASS passes, FAIL fails with its
 * detail, KNOWN is a todo (shown, not failing), SKIP a skip. `required` names (prefixes)
 * must all appear as PASS or FAIL lines, so a script that stopped early fails.
 */
export async function reportChecks(t: TestContext, resultFile: string, ran: Ran, required: string[]): Promise<Line[]> {
  const text = existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : '';
  const lines = parseResult(text);
  const tail = ran.output.split('\n').slice(-40).join('\n');
  for (const l of lines) {
    if (l.kind === 'PASS') await t.test(l.name, () => {});
    else if (l.kind === 'FAIL') await t.test(l.name, () => { assert.fail(l.detail.replaceAll('|', '\n')); });
    else if (l.kind === 'KNOWN') await t.test(l.name, { todo: l.detail.replaceAll('|', ' ') }, () => { assert.fail(l.detail); });
    else if (l.kind === 'SKIP') await t.test(l.name, { skip: l.detail.replaceAll('|', ' ') }, () => {});
    else if (l.kind === 'INFO') t.diagnostic(l.name);
  }
  await t.test('the proof ran to its end', () => {
    assert.ok(!ran.timedOut, `timed out after ${ran.ms} ms\n${tail}`);
    assert.ok(lines.some((l) => l.kind === 'RESULT'), `no RESULT line (exit ${ran.status}, signal ${ran.signal})\n${tail}`);
    for (const r of required) {
      assert.ok(lines.some((l) => (l.kind === 'PASS' || l.kind === 'FAIL') && l.name.startsWith(r)), `check missing: ${r}\n${tail}`);
    }
  });
  return lines;
}

export function writeFile(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

/** Checks each run must reach (so a script that stops early fails). */
export function required(name: string, distro: string): string[] {
  const list = REQUIRED[name]!;
  if (distro !== 'debian12') return list;
  // Debian 12: the masquerading rule is nftables', the pair is keepalived's VRRP
  return [
    ...list.map((c) => c
      .replace(/^iptables -t nat -L -n on director$/, 'nft list table ip lvsgen on director')
      .replace(/^heartbeat stopped on node1$/, 'keepalived stopped on node1')),
    ...(name === 'lb-nat'
      ? ['nftables starts at boot', 'ldirectord.service is active on director', 'systemctl reload nftables again on director']
      : ['keepalived runs on node1', 'keepalived runs on node2', 'negative control: keepalived stopped on both nodes']),
    `no unit on ${name === 'lb-nat' ? 'director' : 'node1'} ran from files changed`,
  ];
}

export const REQUIRED: Record<string, string[]> = {
  'lb-nat': [
    'install.sh on director',
    'ip route show 0/0 on real1',
    'iptables -t nat -L -n on director',
    'client gets real1\'s check page',
    'negative control: no answer with forwarding off',
    'the outside sees director\'s address',
    'negative control: no answer from the outside without the MASQUERADE rule',
    'ldirectord runs after install.sh',
    'ldirectord\'s table equals the seed\'s',
    'ldirectord\'s table equals lvsgen ipvsadm\'s prediction',
    'page gone on real1',
    'page back on real1',
    'stopping ldirectord empties the table',
  ],
  'ha-cidr': [
    'install.sh on router',
    'ip route list 192.168.0.0/24 on router',
    'ip route show 0/0 on node1',
    'lo:0 holds 192.168.0.0/24 on node1',
    'floating address 192.168.6.240 on node1',
    'the client reaches 192.168.0.10',
    'negative control: no answer without the router\'s route',
    'heartbeat stopped on node1',
    'the router\'s route to 192.168.0.0/24 is now answered by node2',
    'auto_failback off',
  ],
};

/** A work directory; LVSGEN_E2E_KEEP=1 keeps it (and says where) for a post-mortem. */
export function workDir(t: TestContext, prefix: string): string {
  if (process.env.LVSGEN_E2E_KEEP) {
    const d = mkdtempSync(join(tmpdir(), prefix));
    t.diagnostic(`kept: ${d}`);
    return d;
  }
  return tempDir(t, prefix);
}

