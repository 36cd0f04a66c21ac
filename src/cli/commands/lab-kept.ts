// A lab that stays up (docs/lab.md, "A lab that stays up"): `lvsgen lab up
// TOPOLOGY DIR --ssh PUBKEY` builds the hosts as `lvsgen lab` does, installs
// nothing, starts sshd in each host on a management network of the lab's own
// and leaves them running; `lvsgen lab exec DIR CMD...` runs a command (say
// ansible-playbook) in the lab's control namespace, the one place that reaches
// that network; `lvsgen lab check DIR TOPOLOGY` runs the lab's checks on the
// hosts as they are (installed by someone else: each host's install check is
// `install.sh --check` finding nothing to change); `lvsgen lab down DIR`
// removes it all. The shell side is lab/lib/kept.sh (LAB_MODE up and check).
import { floating4, pairsOf } from '../../model/pairs.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { treeOf } from '../../bundle/tree.js';
import { writeTree } from '../../bundle/write.js';
import { hostsWithVerify, labDistro, labNeedsKernel, NEEDS_IPVS, planLab, planText, type LabCheck, type LabPlan } from '../../lab/plan.js';
import { exitStatus, LabResults, parseLabLine } from '../../lab/report.js';
import { LAB_DISTROS, labTools, missingMessage } from '../../lab/tools.js';
import { contains, isIPv6, overlaps, parseCidr, splitEndpoint } from '../../model/net.js';
import { renderIpvsadmTable } from '../../render/ipvsadm-table.js';
import { LVSGEN_ROOT } from '../../render/distros.js';
import { distros, generate, type Generated } from '../generate.js';
import { count, inTopologyFile, UsageError, type Io } from '../io.js';
import { kernelHasIpip, kernelHasIpvs, LabUnavailable, labCommand, labPrefix, onPath, removeNamespaces } from './lab.js';

/** DIR/lab.json: what `check`, `exec` and `down` need to find the lab again. */
interface KeptLab {
  cluster: string;
  prefix: string;
  distro?: string;
  /** The plan's lan, host, link and client records: a later topology must keep them. */
  wiring: string;
  network: string;
  control: string;
  hosts: Record<string, string>;
}

const SSH_TOOLS = [{ tool: 'sshd', package: 'openssh-server' }, { tool: 'ssh-keygen', package: 'openssh-client' }];

/** The lab's plan, as `lvsgen lab` makes it; a lab that stays up is built in namespaces on this kernel. */
function planOf(g: Generated): LabPlan {
  const set = distros();
  const verifying = hostsWithVerify(g.bundles);
  const plan = planLab(g.model, g.topology, {
    distro: (name) => labDistro(set.get(name)!),
    verifies: (h) => verifying.has(h),
  });
  const lacking = labNeedsKernel(g.model, { ipvs: kernelHasIpvs(), ipip: kernelHasIpip() });
  if (lacking !== undefined) throw new UsageError(`${lacking.replace(/: run it with --vm$/, '')}: a lab that stays up runs in namespaces on this kernel only`);
  const unsupported = plan.hosts.filter((h) => !LAB_DISTROS.includes(h.distro));
  if (unsupported.length) {
    throw new UsageError(`the lab builds hosts of ${LAB_DISTROS.join(', ')}; not yet ${[...new Set(unsupported.map((h) => h.distro))].join(', ')} (${unsupported.map((h) => h.name).join(', ')}): try --distro`);
  }
  return plan;
}

/** The lan, host, link and client records of a plan (what a built lab cannot change). */
const wiringOf = (plan: LabPlan) => planText({ ...plan, installOrder: [], servers: [], checks: [] });

/**
 * The management network: the first /24 of 198.18.0.0/15 (RFC 2544's
 * benchmarking range, never routed) that no network, virtual network, floating
 * or virtual address of the topology touches; hosts from .1 in name order, the
 * control namespace at .254.
 */
export function managementNetwork(g: Generated, plan: LabPlan): { network: string; control: string; hosts: Map<string, string> } {
  if (plan.hosts.length > 250) throw new UsageError(`lab up --ssh: at most 250 hosts on the management network (this topology has ${plan.hosts.length})`);
  const nets = plan.lans.map((l) => parseCidr(l.network));
  for (const { spec } of pairsOf(g.topology)) if (spec.virtual_network !== undefined) nets.push(parseCidr(spec.virtual_network));
  // what firewall marks cover: addresses and networks
  const marks = g.model.hosts.flatMap((h) => h.director?.marks ?? []).map((m) => m.destination);
  nets.push(...marks.filter((m) => m.includes('/')).map((m) => parseCidr(m)));
  const addrs = [
    ...pairsOf(g.topology).flatMap((p) => floating4(p.spec).map((f) => parseCidr(f).address)),
    // an IPv6 virtual address cannot touch an IPv4 network
    ...(g.topology.virtual_services ?? []).flatMap((v) => (v.virtual !== undefined ? [splitEndpoint(v.virtual).address] : [])).filter((a) => !isIPv6(a)),
    ...marks.filter((m) => !m.includes('/')),
  ];
  for (let i = 0; i < 512; i++) {
    const network = `198.${18 + (i >> 8)}.${i & 255}.0/24`;
    const c = parseCidr(network);
    if (nets.some((n) => overlaps(n, c)) || addrs.some((a) => contains(c, a))) continue;
    const base = network.slice(0, network.lastIndexOf('.'));
    return { network, control: `${base}.254`, hosts: new Map(plan.hosts.map((h, k) => [h.name, `${base}.${k + 1}`])) };
  }
  throw new UsageError('lab up --ssh: every /24 of 198.18.0.0/15 is used by the topology: no room for the management network');
}

function preflight(plan: LabPlan, extra: Array<{ tool: string; package: string }> = []): void {
  if (process.getuid?.() !== 0) throw new LabUnavailable('lvsgen lab must run as root (it creates network namespaces and mounts)');
  const missing = [...labTools(plan), ...extra].filter((t) => !onPath(t.tool));
  if (missing.length) throw new LabUnavailable(missingMessage(missing));
}

function readKept(dir: string): KeptLab {
  let text: string;
  try {
    text = readFileSync(join(dir, 'lab.json'), 'utf8');
  } catch {
    throw new UsageError(`${dir} is not a lab that is up (no lab.json: made by lvsgen lab up)`);
  }
  return JSON.parse(text) as KeptLab;
}

const netnsList = () => (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').map((l) => l.split(' ')[0]!).filter((n) => n !== '');

/** Write what lab.sh reads: the bundles, the directors' predicted tables, the plan. */
function writeLabInputs(dir: string, g: Generated, plan: LabPlan, runs: (c: LabCheck) => boolean): void {
  writeTree(treeOf(g.bundles), join(dir, 'bundles'));
  rmSync(join(dir, 'prediction'), { recursive: true, force: true });
  mkdirSync(join(dir, 'prediction'));
  for (const d of plan.directors) writeFileSync(join(dir, 'prediction', d), renderIpvsadmTable(g.model.hosts.find((h) => h.name === d)!));
  writeFileSync(join(dir, 'plan'), planText(plan, runs));
}

/**
 * lab.sh DIR in a mode of lib/kept.sh, its results read from a file (the
 * processes it leaves running must hold no pipe of ours); each line to onLine.
 * Ctrl-C (SIGINT, SIGTERM) goes to lab.sh, which cleans up; `interrupted` says so.
 */
function runLabSh(dir: string, env: Record<string, string>, onLine: (line: string) => void): Promise<{ status: number | null; interrupted: boolean }> {
  const results = join(dir, 'out', `results-${env.LAB_MODE}`);
  mkdirSync(join(dir, 'out'), { recursive: true });
  writeFileSync(results, '');
  const child = spawn('bash', [join(LVSGEN_ROOT, 'lab', 'lab.sh'), dir], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, LAB_TIER: 'host', LAB_RESULTS: results, ...env },
  });
  let seen = 0;
  let partial = '';
  const poll = () => {
    const text = readFileSync(results, 'utf8');
    if (text.length <= seen) return;
    const lines = (partial + text.slice(seen)).split('\n');
    seen = text.length;
    partial = lines.pop()!;
    for (const l of lines) onLine(l);
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    if (child.pid !== undefined) try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = setInterval(poll, 300);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      poll();
      if (partial !== '') onLine(partial);
      done({ status: code, interrupted });
    });
  });
}

interface UpArgs { topology: string; dir: string; ssh: string; distro?: string }
interface CheckArgs { dir: string; topology: string; distro?: string; report?: string }
interface DirArgs { dir: string }
interface ExecArgs { dir: string; command: string[] }

function upCommand(io: Io, setCode: (code: number) => void): CommandModule<object, UpArgs> {
  return {
    command: 'up <topology> <dir>',
    describe: 'Build the topology\'s hosts in DIR and leave them up, with sshd on a management network and nothing installed: deploy with Ansible through `lab exec`, then `lab check`',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .positional('dir', { type: 'string', demandOption: true, describe: 'A new (or empty) directory for the lab' })
        .option('ssh', { type: 'string', demandOption: true, describe: 'A public key (FILE.pub) allowed to log in as root on every host' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' }),
    handler: async (a) => {
      const g = inTopologyFile(a.topology, () => generate(a.topology, a.distro !== undefined ? { distro: a.distro } : {}));
      const plan = planOf(g);
      let pub: string;
      try {
        pub = readFileSync(a.ssh, 'utf8').trim();
      } catch (e) {
        throw new UsageError(`--ssh ${a.ssh}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      if (!/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+) [A-Za-z0-9+/=]+( [^\n]*)?$/.test(pub)) throw new UsageError(`--ssh ${a.ssh}: not one OpenSSH public key (ssh-keygen writes one as FILE.pub)`);
      const dir = resolve(a.dir);
      if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`${a.dir} is not empty: lab up needs a new directory (lvsgen lab down removes a lab)`);
      const mgmt = managementNetwork(g, plan);
      preflight(plan, SSH_TOOLS);

      const prefix = labPrefix();
      mkdirSync(join(dir, 'ssh'), { recursive: true, mode: 0o700 });
      const kept: KeptLab = {
        cluster: plan.cluster,
        prefix,
        ...(a.distro !== undefined ? { distro: a.distro } : {}),
        wiring: wiringOf(plan),
        network: mgmt.network,
        control: mgmt.control,
        hosts: Object.fromEntries(mgmt.hosts),
      };
      writeFileSync(join(dir, 'lab.json'), `${JSON.stringify(kept, null, 2)}\n`);
      writeLabInputs(dir, g, plan, () => true);
      const key = join(dir, 'ssh', 'host_ed25519_key');
      const kg = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `lvsgen-lab-${plan.cluster}`, '-f', key], { encoding: 'utf8' });
      if (kg.status !== 0) {
        rmSync(dir, { recursive: true, force: true });
        throw new LabUnavailable(`ssh-keygen failed: ${kg.stderr.trim()}`);
      }
      const hostKey = readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      writeFileSync(join(dir, 'ssh', 'authorized_keys'), `${pub}\n`);
      writeFileSync(join(dir, 'ssh', 'known_hosts'), [...mgmt.hosts.values()].map((addr) => `${addr} ${hostKey}\n`).join(''));
      const prefixLen = mgmt.network.split('/')[1];
      writeFileSync(join(dir, 'ssh', 'hosts'), [`control\t${mgmt.control}/${prefixLen}\n`, ...[...mgmt.hosts].map(([h, addr]) => `mgmt\t${h}\t${addr}/${prefixLen}\n`)].join(''));
      const privateKey = a.ssh.endsWith('.pub') && existsSync(a.ssh.slice(0, -4)) ? resolve(a.ssh.slice(0, -4)) : undefined;
      writeFileSync(join(dir, 'ansible-hosts.yml'), ansibleHosts(dir, mgmt.hosts, privateKey));

      io.out(`lvsgen lab up ${plan.cluster}: ${count(plan.hosts.length, 'host')} (${[...new Set(plan.hosts.map((h) => h.distro))].join(', ')}), ${count(plan.lans.length, 'LAN')}, management network ${mgmt.network}, in ${a.dir}\n`);
      let last = '';
      const { status, interrupted } = await runLabSh(dir, { LAB_MODE: 'up', LAB_PREFIX: prefix, LAB_KEEPER_SLEEP: 'infinity' }, (line) => {
        const l = parseLabLine(line);
        if (l?.kind === 'progress') { io.out(`... ${l.text}\n`); last = l.text; }
      });
      if (interrupted) {
        // lab.sh removed what it made (its trap); the rest goes here, like `lvsgen lab`
        removeNamespaces(prefix);
        rmSync(dir, { recursive: true, force: true });
        io.err(`lvsgen lab up: interrupted after: ${last}; removed the lab and ${a.dir}\n`);
        setCode(130);
        return;
      }
      if (status !== 0) {
        removeNamespaces(prefix);
        let log = '';
        try { log = readFileSync(join(dir, 'out', 'lab.log'), 'utf8').trim().split('\n').slice(-5).join('\n'); } catch { /* none */ }
        rmSync(dir, { recursive: true, force: true });
        throw new LabUnavailable(`the lab could not be built (lab.sh exit ${status}, after: ${last}); removed. Its log ended:\n${log}`);
      }
      io.out(
        [
          `up: ${plan.hosts.map((h) => `${h.name} ${mgmt.hosts.get(h.name)}`).join(', ')} (sshd, root, your key; nothing installed)`,
          `deploy from the lab's control namespace, with ${join(a.dir, 'ansible-hosts.yml')} after lvsgen ansible's inventory:`,
          `  lvsgen lab exec ${a.dir} ansible-playbook -i inventory.yml -i ${join(resolve(a.dir), 'ansible-hosts.yml')} site.yml`,
          `check: lvsgen lab check ${a.dir} ${a.topology}`,
          `remove: lvsgen lab down ${a.dir}`,
          '',
        ].join('\n'),
      );
    },
  };
}

/** DIR/ansible-hosts.yml: a second inventory that takes Ansible to the lab's hosts. */
function ansibleHosts(dir: string, hosts: Map<string, string>, privateKey: string | undefined): string {
  const q = (s: string) => JSON.stringify(s);
  const args = `-o UserKnownHostsFile=${join(dir, 'ssh', 'known_hosts')} -o StrictHostKeyChecking=yes${privateKey ? ' -o IdentitiesOnly=yes' : ''}`;
  return [
    '# Written by lvsgen lab up: how Ansible reaches the hosts of this lab. Give it',
    '# after the inventory of lvsgen ansible (the later one wins), and run Ansible',
    '# in the lab\'s control namespace, the only place its management network is:',
    `#   lvsgen lab exec ${dir} ansible-playbook -i inventory.yml -i ${join(dir, 'ansible-hosts.yml')} site.yml`,
    'all:',
    '  vars:',
    '    ansible_user: root',
    '    ansible_port: 22',
    ...(privateKey ? [`    ansible_ssh_private_key_file: ${q(privateKey)}`] : []),
    `    ansible_ssh_common_args: ${q(args)}`,
    '    ansible_python_interpreter: /usr/bin/python3',
    // one SSH session per task instead of several (no sudo here, so no requiretty to mind)
    '    ansible_pipelining: true',
    '  hosts:',
    ...[...hosts].map(([h, addr]) => `    ${q(h)}: { ansible_host: ${addr} }`),
    '',
  ].join('\n');
}

function checkCommand(io: Io, setCode: (code: number) => void): CommandModule<object, CheckArgs> {
  return {
    command: 'check <dir> <topology>',
    describe: 'Run the lab\'s checks on the hosts of a lab that is up (each host\'s install check: install.sh --check finds nothing to change)',
    builder: (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true })
        .positional('topology', { type: 'string', demandOption: true, describe: 'The topology the hosts should now hold (the same hosts and networks as when the lab came up)' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro (default: as lab up had it)' })
        .option('report', { type: 'string', describe: 'Also write the results as JSON to FILE' }),
    handler: async (a) => {
      const kept = readKept(a.dir);
      const distro = a.distro ?? kept.distro;
      const g = inTopologyFile(a.topology, () => generate(a.topology, distro !== undefined ? { distro } : {}));
      const plan = planOf(g);
      if (wiringOf(plan) !== kept.wiring) throw new UsageError(`${a.topology} has other hosts or networks than the lab in ${a.dir} was built with: lvsgen lab down ${a.dir}, then lab up again`);
      preflight(plan);
      if (!netnsList().includes(`${kept.prefix}-lan`)) throw new UsageError(`the lab in ${a.dir} is not up (its namespaces ${kept.prefix}-* are gone): lvsgen lab down ${a.dir}, then lab up again`);
      const dir = resolve(a.dir);
      const ipvs = kernelHasIpvs();
      const runs = (c: LabCheck) => c.needs !== NEEDS_IPVS;
      writeLabInputs(dir, g, plan, runs);
      io.out(`lvsgen lab check ${plan.cluster}: ${count(plan.hosts.length, 'host')} in ${a.dir}; ${plan.checks.filter(runs).length} checks to run, ${plan.checks.filter((c) => !runs(c)).length} not run\n`);
      const notRunWhy = `needs IPVS${ipvs ? ' in the kernel' : ', which this kernel lacks'}: the namespace mode drives an ipvsadm stand-in`;
      const results = new LabResults(plan.checks, runs, notRunWhy, (line) => io.out(`${line}\n`));
      const { status, interrupted } = await runLabSh(dir, { LAB_MODE: 'check', LAB_PREFIX: kept.prefix }, (line) => results.line(line));
      const s = results.finish(interrupted ? 'not run to its end: interrupted' : `not reached: the checks stopped early (lab.sh exit ${status}, after: ${results.lastProgress}; log ${join(a.dir, 'out', 'lab.log')})`);
      if (a.report !== undefined) writeFileSync(a.report, `${JSON.stringify({ cluster: plan.cluster, mode: 'namespaces', ipvs, ...s, checks: results.results }, null, 2)}\n`);
      setCode(interrupted ? 130 : exitStatus(s));
    },
  };
}

function execCommand(setCode: (code: number) => void): CommandModule<object, ExecArgs> {
  return {
    command: 'exec <dir> <command..>',
    describe: 'Run COMMAND (say ansible-playbook ...) in the control namespace of a lab that is up: the one place its management network reaches',
    builder: (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true })
        .positional('command', { type: 'string', array: true, demandOption: true })
        // everything after DIR is the command's, options included
        .parserConfiguration({ 'unknown-options-as-args': true }) as unknown as Argv<ExecArgs>,
    handler: async (a) => {
      const kept = readKept(a.dir);
      const ns = `${kept.prefix}-ctl`;
      if (process.getuid?.() !== 0) throw new LabUnavailable('lvsgen lab exec must run as root (ip netns exec)');
      if (!netnsList().includes(ns)) throw new UsageError(`the lab in ${a.dir} is not up (no namespace ${ns}): lvsgen lab down ${a.dir}, then lab up again`);
      const command = a.command.map(String);
      const status = await new Promise<number>((done) => {
        const child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: 'inherit' });
        child.on('error', () => done(127));
        child.on('close', (code, signal) => done(code ?? (signal ? 128 + 15 : 1)));
      });
      setCode(status);
    },
  };
}

function downCommand(io: Io): CommandModule<object, DirArgs> {
  return {
    command: 'down <dir>',
    describe: 'Remove a lab that is up: every process in its namespaces (by pid), the namespaces, and DIR',
    builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
    handler: async (a) => {
      const kept = readKept(a.dir);
      if (process.getuid?.() !== 0) throw new LabUnavailable('lvsgen lab down must run as root (ip netns)');
      removeNamespaces(kept.prefix);
      // the keepers' mount namespaces (the hosts' roots) go with their last process
      const end = Date.now() + 20_000;
      while (netnsList().some((n) => n.startsWith(`${kept.prefix}-`)) && Date.now() < end) {
        removeNamespaces(kept.prefix);
        spawnSync('sleep', ['0.2']);
      }
      const left = netnsList().filter((n) => n.startsWith(`${kept.prefix}-`));
      if (left.length) throw new LabUnavailable(`namespaces left: ${left.join(', ')}`);
      rmSync(resolve(a.dir), { recursive: true, force: true });
      io.out(`removed the lab ${kept.cluster} (${kept.prefix}-*) and ${a.dir}\n`);
    },
  };
}

/** `lvsgen lab`: TOPOLOGY (build, install, check, remove), or up, check, exec, down. */
export function labCommands(io: Io, setCode: (code: number) => void): CommandModule {
  const run = labCommand(io, setCode);
  return {
    command: 'lab',
    describe: `${run.describe as string} Also: lab up, lab exec, lab check, lab down (a lab that stays up).`,
    builder: (y) =>
      y
        .command(upCommand(io, setCode))
        .command(execCommand(setCode))
        .command(checkCommand(io, setCode))
        .command(downCommand(io))
        .command({ ...run, command: '$0 <topology>' } as CommandModule<object, never>),
    handler: () => {},
  };
}
