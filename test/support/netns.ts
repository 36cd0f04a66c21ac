// Scratch network namespaces (removed by t.after, which checks they are gone),
// veths and bridged LANs between them, processes started inside them (ended
// by pid), and ifupdown pointed at a bundle's interfaces files.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { asGroup, ok, sh, stop, unique, type Ran } from './proc.js';
import type { Rendered } from './render.js';

export interface Netns {
  name: string;
  /** Run a command inside the namespace. */
  exec(cmd: string, args: string[], input?: string): Ran;
  ip(...args: string[]): Ran;
  /** Create a veth pair inside the namespace: `ifname` for the host files, its peer up (carrier). */
  veth(ifname: string): void;
}

/**
 * A scratch network namespace with lo up, as a host has it. t.after deletes
 * the veths made in it with `veth`, then the namespace, and checks it is gone.
 */
export function netns(t: TestContext, prefix = 'lvd'): Netns {
  const ns = scratch(t, prefix);
  ok(ns.ip('link', 'set', 'lo', 'up'), 'lo up');
  return ns;
}

/** A scratch network namespace exactly as `ip netns add` leaves it (lo down); removed as netns's. */
export function bareNetns(t: TestContext, prefix = 'lvsgen-c'): Netns {
  return scratch(t, prefix);
}

function scratch(t: TestContext, prefix: string): Netns {
  const name = unique(prefix);
  ok(sh('ip', ['netns', 'add', name]), `ip netns add ${name}`);
  const veths: string[] = [];
  t.after(() => {
    for (const v of veths) sh('ip', ['-n', name, 'link', 'del', v]);
    sh('ip', ['netns', 'del', name]);
    assert.ok(!sh('ip', ['netns', 'list']).stdout.split('\n').some((l) => l.split(' ')[0] === name), `namespace ${name} still exists`);
  });
  const ns: Netns = {
    name,
    exec: (cmd, args, input) => sh('ip', ['netns', 'exec', name, cmd, ...args], input !== undefined ? { input } : {}),
    ip: (...args) => sh('ip', ['-n', name, ...args]),
    veth(ifname) {
      const peer = `p${veths.length}-${ifname.replace(/[^a-z0-9]/g, '')}`.slice(0, 15);
      ok(ns.ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', peer), `veth ${ifname}`);
      veths.push(ifname);
      ok(ns.ip('link', 'set', peer, 'up'), `link set ${peer} up`);
    },
  };
  return ns;
}

/** A veth pair between two namespaces, named as the host files name the interfaces, both ends up. */
export function link(a: Netns, aName: string, b: Netns, bName: string): void {
  const x = unique('va');
  const y = unique('vb');
  ok(sh('ip', ['link', 'add', x, 'type', 'veth', 'peer', 'name', y]), 'veth');
  ok(sh('ip', ['link', 'set', x, 'netns', a.name]), 'move veth');
  ok(sh('ip', ['link', 'set', y, 'netns', b.name]), 'move veth');
  ok(a.ip('link', 'set', x, 'name', aName), 'rename');
  ok(b.ip('link', 'set', y, 'name', bName), 'rename');
  ok(a.ip('link', 'set', aName, 'up'), 'up');
  ok(b.ip('link', 'set', bName, 'up'), 'up');
}

/** A bridge in its own namespace: a LAN that hosts join with `join`. */
export function lan(t: TestContext): { ns: Netns; join(host: Netns, ifname: string): void } {
  const ns = netns(t, 'lvl');
  ok(ns.ip('link', 'add', 'br0', 'type', 'bridge'), 'bridge');
  ok(ns.ip('link', 'set', 'br0', 'up'), 'bridge up');
  let n = 0;
  return {
    ns,
    join(host, ifname) {
      const port = `p${n++}`;
      link(host, ifname, ns, port);
      ok(ns.ip('link', 'set', port, 'master', 'br0'), 'bridge port');
    },
  };
}

/** A process started inside a namespace; t.after ends it by pid (SIGTERM, then SIGKILL). */
export function spawnIn(t: TestContext, ns: Netns, cmd: string, args: string[]): ChildProcess & { output(): string } {
  // Its own process group, so that stop() ends whatever the daemon forks too.
  const child = asGroup(spawn('ip', ['netns', 'exec', ns.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  t.after(() => stop(child));
  return Object.assign(child, { output: () => output });
}

/**
 * A debian12 host's /etc/network/interfaces with its `source` line pointed at
 * the bundle's interfaces.d (the only change): ifupdown then reads exactly the
 * bundle's drop-ins instead of the test machine's.
 */
export function interfacesOf(r: Rendered, host: string, dir: string): string {
  const main = r.read(host, '/etc/network/interfaces');
  assert.match(main, /^source \/etc\/network\/interfaces\.d\/\*$/m);
  const file = join(dir, `${host}-interfaces`);
  writeFileSync(file, main.replace(/^source \/etc\/network\/interfaces\.d\/\*$/m, `source ${r.file(host, '/etc/network/interfaces.d')}/*`));
  return file;
}

/** Bring a debian12 host's interfaces up for real inside `ns` (ifupdown, its own state dir). */
export function ifupAll(ns: Netns, interfaces: string, stateDir: string): Ran {
  return ok(ns.exec('ifup', ['-a', '-i', interfaces, '--state-dir', stateDir, '--no-scripts']), `ifup -a -i ${interfaces}`);
}

/**
 * HOST's generated keepalived.conf without its lvs_sync_daemon line, written
 * 0600 into DIR: IPVS connection sync needs IPVS, which this kernel lacks
 * (keepalived's VRRP child crashes initialising it); the rest as generated.
 */
export function vrrpOnlyConf(r: Rendered, host: string, dir: string): string {
  const text = readFileSync(r.file(host, '/etc/keepalived/keepalived.conf'), 'utf8');
  const vrrpOnly = text.replace(/^\s*lvs_sync_daemon .*\n/m, '');
  assert.notEqual(vrrpOnly, text, `${host}'s keepalived.conf syncs connections (lvs_sync_daemon)`);
  const file = join(dir, `${host}-keepalived.conf`);
  writeFileSync(file, vrrpOnly, { mode: 0o600 });
  return file;
}

/** keepalived's VRRP alone (--vrrp) on CONF in NS, in the foreground, logging to its output; its pid files NAME.* in DIR. */
export function keepalivedVrrp(t: TestContext, ns: Netns, conf: string, dir: string, name: string): ReturnType<typeof spawnIn> {
  return spawnIn(t, ns, 'keepalived', [
    '--dont-fork', '--log-console', '--vrrp', '-f', conf,
    '-p', join(dir, `${name}.pid`), '-r', join(dir, `${name}-vrrp.pid`), '-c', join(dir, `${name}-checkers.pid`),
  ]);
}
