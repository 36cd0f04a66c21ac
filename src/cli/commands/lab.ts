// `lvsgen lab TOPOLOGY`: build the topology as a working cluster on this
// machine and check it (docs/lab.md). The plan is pure (src/lab/plan.ts); this
// is its edge: preflight (root, tools), a temporary directory with the bundles,
// the plan and the predicted tables, lab/lab.sh run in a process group of its
// own, its results printed as they come, and cleanup on every way out.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CommandModule } from 'yargs';
import { treeOf } from '../../bundle/tree.js';
import { writeTree } from '../../bundle/write.js';
import { hostsWithVerify, labDistro, labNeedsKernel, NEEDS_IPVS, planLab, planText, type LabCheck } from '../../lab/plan.js';
import { exitStatus, LabResults } from '../../lab/report.js';
import { LAB_DISTROS, labTools, missingMessage } from '../../lab/tools.js';
import { renderIpvsadmTable } from '../../render/ipvsadm-table.js';
import { LVSGEN_ROOT } from '../../render/distros.js';
import { distros, generate } from '../generate.js';
import { inTopologyFile, UsageError, type Io } from '../io.js';

interface LabArgs {
  topology: string;
  distro?: string;
  vm?: boolean;
  keep: boolean;
  report?: string;
  bundles?: string;
}

/** A problem with the machine, not the topology: exit 2, nothing created. */
export class LabUnavailable extends Error {
  override readonly name = 'LabUnavailable';
}

export function onPath(tool: string): boolean {
  const ok = (f: string) => { try { accessSync(f, constants.X_OK); return true; } catch { return false; } };
  if (isAbsolute(tool)) return ok(tool);
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).concat(['/usr/sbin', '/sbin']).some((d) => ok(join(d, tool)));
}

/** What the VM mode needs beyond the lab's tools (lab/vm/run.sh, kernel.sh, initramfs.sh). */
const VM_TOOLS = [
  { tool: 'qemu-system-x86_64', package: 'qemu-system-x86' }, { tool: 'cpio', package: 'cpio' }, { tool: 'gzip', package: 'gzip' },
  { tool: 'depmod', package: 'kmod' }, { tool: 'apt-get', package: 'apt' }, { tool: 'dpkg-deb', package: 'dpkg' },
  { tool: 'ipvsadm', package: 'ipvsadm' }, { tool: 'flock', package: 'util-linux' },
];
/** The whole VM's limit, seconds (TCG emulation: a lab takes minutes). */
const VM_LIMIT_S = 3600;

/** The kernel's IPVS: /proc/net/ip_vs once ip_vs is loaded (or built in). */
export function kernelHasIpvs(): boolean {
  return existsSync('/proc/net/ip_vs');
}

/** The kernel's ipip (built in or loaded): it makes tunl0 in every network namespace. */
export function kernelHasIpip(): boolean {
  return existsSync('/sys/module/ipip');
}

/** Names of the lab's namespaces: short (ip netns), and unique to this run. */
export function labPrefix(): string {
  return `lab${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
}

/** The safety net behind lab.sh's own trap: namespaces PREFIX-* lose their processes (by pid) and go. */
export function removeNamespaces(prefix: string): void {
  const list = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
  for (const ns of list) {
    const pids = (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split(/\s+/).filter((p) => /^\d+$/.test(p));
    for (const p of pids) try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

export function labCommand(io: Io, setCode: (code: number) => void): CommandModule<object, LabArgs> {
  return {
    command: 'lab <topology>',
    describe: 'Build the topology as namespaces on this machine, install every host with its own installer and check that the cluster works (run as root; see docs/lab.md).',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' })
        .option('vm', { type: 'boolean', describe: 'Run the lab inside a VM with real IPVS (--no-vm: namespaces on this kernel even without IPVS)' })
        .option('keep', { type: 'boolean', default: false, describe: 'Keep the hosts\' roots and the logs, and say where' })
        .option('report', { type: 'string', describe: 'Also write the results as JSON to FILE' })
        .option('bundles', { type: 'string', describe: 'Install these bundles (a `lvsgen render` output, perhaps edited) instead of rendering the topology' }),
    handler: async (a) => {
      const g = inTopologyFile(a.topology, () => generate(a.topology, a.distro !== undefined ? { distro: a.distro } : {}));
      const set = distros();
      const verifying = hostsWithVerify(g.bundles);
      const plan = planLab(g.model, g.topology, {
        distro: (name) => labDistro(set.get(name)!),
        verifies: (h) => verifying.has(h),
      });
      const unsupported = plan.hosts.filter((h) => !LAB_DISTROS.includes(h.distro));
      if (unsupported.length) {
        throw new UsageError(`the lab builds hosts of ${LAB_DISTROS.join(', ')}; not yet ${[...new Set(unsupported.map((h) => h.distro))].join(', ')} (${unsupported.map((h) => h.name).join(', ')}): try --distro`);
      }
      if (a.bundles !== undefined) {
        const absent = plan.hosts.filter((h) => !existsSync(join(a.bundles!, h.name, '.lvsgen', 'install.sh'))).map((h) => h.name);
        if (absent.length) throw new UsageError(`--bundles ${a.bundles}: no bundle (HOST/.lvsgen/install.sh) for ${absent.join(', ')}`);
      }
      const ipvs = kernelHasIpvs();
      // The VM by itself where this kernel has no IPVS (said below); --no-vm
      // stays in namespaces, --vm goes to the VM whatever the kernel.
      const vm = a.vm ?? !ipvs;
      const lacking = vm ? undefined : labNeedsKernel(g.model, { ipvs, ipip: kernelHasIpip() });
      if (lacking !== undefined) throw new UsageError(lacking);
      // preflight: nothing is created before every need is met
      if (process.getuid?.() !== 0) throw new LabUnavailable('lvsgen lab must run as root (it creates network namespaces and mounts)');
      const missing = [...labTools(plan), ...(vm ? VM_TOOLS : [])].filter((t) => !onPath(t.tool));
      if (missing.length) {
        const auto = vm && a.vm === undefined ? ' (this kernel has no IPVS, so the lab runs in a VM: --no-vm stays in namespaces)' : '';
        throw new LabUnavailable(`${missingMessage(missing)}${auto}`);
      }

      // The namespace mode never changes this machine's kernel state: ipvsadm,
      // modprobe and global sysctls are the lab's stand-ins, so what needs IPVS
      // in the kernel is not run there. In the VM everything is real.
      const notRunWhy = ipvs
        ? 'needs IPVS in the kernel: the namespace mode drives an ipvsadm stand-in (--vm runs it under real IPVS)'
        : 'needs IPVS, which this kernel lacks: the namespace mode drives an ipvsadm stand-in (--vm runs it under real IPVS)';
      const runs = (c: LabCheck) => vm || c.needs !== NEEDS_IPVS;
      const where = vm ? `inside one VM with Debian's kernel (real IPVS${a.vm === undefined ? ', as this kernel has none: --no-vm stays in namespaces' : ''})` : `in namespaces on this kernel${ipvs ? '' : ' (it has no IPVS)'}`;
      io.out(`lvsgen lab ${plan.cluster}: ${plan.hosts.length} hosts (${[...new Set(plan.hosts.map((h) => h.distro))].join(', ')}), ${plan.lans.length} LANs, ${plan.clients.length} clients, ${where}; ${plan.checks.filter(runs).length} checks to run, ${plan.checks.filter((c) => !runs(c)).length} not run\n`);

      const dir = mkdtempSync(join(tmpdir(), 'lvsgen-lab-'));
      const prefix = labPrefix();
      const results = new LabResults(plan.checks, runs, notRunWhy, (line) => io.out(`${line}\n`));
      let child: ReturnType<typeof spawn> | undefined;
      let interrupted = false;
      const onSignal = () => {
        interrupted = true;
        if (child?.pid !== undefined) try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        if (a.bundles !== undefined) cpSync(a.bundles, join(dir, 'bundles'), { recursive: true, dereference: true });
        else writeTree(treeOf(g.bundles), join(dir, 'bundles'));
        mkdirSync(join(dir, 'prediction'));
        for (const d of plan.directors) writeFileSync(join(dir, 'prediction', d), renderIpvsadmTable(g.model.hosts.find((h) => h.name === d)!));
        writeFileSync(join(dir, 'plan'), planText(plan, runs));
        const onLine = (line: string) => results.line(line);
        const status = await new Promise<number | null>((resolve) => {
          if (!vm) {
            child = spawn('bash', [join(LVSGEN_ROOT, 'lab', 'lab.sh'), dir], {
              detached: true,
              stdio: ['ignore', 'pipe', 'inherit'],
              env: { ...process.env, LAB_PREFIX: prefix, LAB_TIER: 'host', ...(a.keep ? { LAB_KEEP: '1' } : {}) },
            });
            createInterface({ input: child.stdout! }).on('line', onLine);
            child.on('close', (code) => resolve(code));
            return;
          }
          // The VM: run.sh boots it (the first time it fetches Debian's kernel
          // package); guest.sh runs lab.sh there on this directory, seen through
          // the read-only host root, and writes the results to the shared one.
          const shared = join(dir, 'vm');
          mkdirSync(shared);
          writeFileSync(join(shared, 'lab-dir'), `${dir}\n`);
          const resultsFile = join(shared, 'results');
          io.out("... booting a VM with Debian's kernel: slow under emulation, several minutes\n");
          child = spawn('bash', [join(LVSGEN_ROOT, 'lab', 'vm', 'run.sh'), join(LVSGEN_ROOT, 'lab', 'vm', 'guest.sh'), shared, String(VM_LIMIT_S)], {
            detached: true,
            stdio: ['ignore', 'ignore', 'pipe'],
            env: { ...process.env, LVSGEN_VM_QUIET: '1' },
          });
          let seen = 0;
          let partial = '';
          const poll = () => {
            let text = '';
            try { text = readFileSync(resultsFile, 'utf8'); } catch { return; }
            if (text.length <= seen) return;
            const lines = (partial + text.slice(seen)).split('\n');
            seen = text.length;
            partial = lines.pop()!;
            for (const line of lines) onLine(line);
          };
          const timer = setInterval(poll, 1000);
          let err = '';
          child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
          child.on('close', (code) => {
            clearInterval(timer);
            poll();
            if (partial !== '') onLine(partial);
            if (code !== 0) io.err(`lvsgen lab: the VM: ${err.trim().split('\n').slice(-3).join(' ')}\n`);
            resolve(code);
          });
        });
        removeNamespaces(prefix);
        const why = interrupted ? 'not run to its end: interrupted' : `not reached: the lab stopped early (${vm ? 'run.sh' : 'lab.sh'} exit ${status}, after: ${results.lastProgress}; log ${a.keep ? join(dir, vm ? 'vm' : '', 'out', 'lab.log') : 'removed: run with --keep'})`;
        const s = results.finish(why);
        if (a.report !== undefined) {
          writeFileSync(a.report, `${JSON.stringify({ cluster: plan.cluster, mode: vm ? 'vm' : 'namespaces', ipvs, ...s, checks: results.results }, null, 2)}\n`);
        }
        if (a.keep) io.out(`kept: ${dir} (the hosts' roots under work/hosts/<host>/upper, logs under out/)\n`);
        setCode(interrupted ? 130 : exitStatus(s));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        removeNamespaces(prefix);
        if (!a.keep) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
