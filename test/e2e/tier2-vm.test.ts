// Tier 2 of issue 4: the lb-nat cluster with real IPVS, in a VM booting
// Debian's kernel (test/e2e/vm/run.sh). Freshly rendered bundles are installed
// by their installers in namespaces inside the guest, with the real ipvsadm,
// modprobe and ldirectord reading the generated ldirectord.cf; the guest script
// (vm/tier2-guest.sh) checks the seed's table, the traffic, a failing real
// server and ldirectord's stop. This is the only test file that boots the VM.
//
// LVSGEN_E2E_VM_DISTROS (default "debian"): the distros whose lb-nat bundles
// the VM runs, one after the other (about 85 s each under TCG on an idle
// machine). The table, the traffic and the checks depend on ldirectord.cf,
// which both distros share; "debian" is the default because on this Debian
// machine everything its installer runs is the real thing (ifupdown, Debian's
// init scripts, update-rc.d), where Red Hat's initscripts are replayed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, requireRoot, requireTools } from '../helpers.js';
import { E2E, predictTable, render, reportChecks, runBounded, SEED_DISTROS, TIER1_TOOLS, wiring, workDir, writeFile } from './e2e-helpers.js';

const VM_TOOLS = ['qemu-system-x86_64', 'cpio', 'gzip', 'depmod', 'apt-get', 'dpkg-deb', 'ipvsadm', 'flock'];

const distros = (process.env.LVSGEN_E2E_VM_DISTROS ?? 'debian').split(/[\s,]+/).filter(Boolean);

test(`tier 2 (VM, real IPVS): lb-nat on ${distros.join(', ')}`, { timeout: 1_200_000 }, async (t) => {
  if (!requireRoot(t) || !requireTools(t, ...TIER1_TOOLS, ...VM_TOOLS)) return;
  for (const d of distros) assert.ok((SEED_DISTROS as readonly string[]).includes(d), `LVSGEN_E2E_VM_DISTROS: unknown distro ${d}`);
  const res = workDir(t, 'lvsgen-e2e-vm-');
  writeFile(join(res, 'prediction-lb-nat'), predictTable('lb-nat'));
  for (const d of distros) {
    render('lb-nat', d, join(res, `bundles-lb-nat-${d}`));
    writeFile(join(res, `wiring-lb-nat-${d}`), wiring('lb-nat', d));
  }
  writeFile(join(res, 'plan'), distros.map((d) => `lb-nat ${d}\n`).join(''));
  // ~85 s per distro on an idle 2-core machine; 3x that under load is normal.
  const guestLimit = 240 + 300 * distros.length;
  const ran = await runBounded(t, join(REPO, 'lab', 'vm', 'run.sh'), [join(E2E, 'vm', 'tier2-guest.sh'), res, String(guestLimit)], (guestLimit + 60) * 1000, {
    LVSGEN_VM_QUIET: '1',
  });
  const timing = existsSync(join(res, 'timing')) ? readFileSync(join(res, 'timing'), 'utf8').trim().replaceAll('\n', ' ') : 'no timing';
  t.diagnostic(`run.sh: ${(ran.ms / 1000).toFixed(1)} s, exit ${ran.status}; ${timing}`);
  if (ran.status === 124 || ran.status === 125 || ran.status === 2) {
    const guest = existsSync(join(res, 'guest.log')) ? readFileSync(join(res, 'guest.log'), 'utf8').split('\n').slice(-30).join('\n') : '';
    const consoleLog = existsSync(join(res, 'console.log')) ? readFileSync(join(res, 'console.log'), 'utf8').split('\n').slice(-20).join('\n') : '';
    t.diagnostic(`guest.log:\n${guest}\nconsole.log:\n${consoleLog}`);
  }
  const required = distros.flatMap((d) => [
    `[lb-nat ${d}] install.sh on director`,
    `[lb-nat ${d}] ldirectord runs after install.sh`,
    `[lb-nat ${d}] ipvsadm -L -n equals the seed's table`,
    `[lb-nat ${d}] ipvsadm -L -n equals lvsgen ipvsadm's prediction`,
    `[lb-nat ${d}] ip_vs_ftp loaded`,
    `[lb-nat ${d}] IPVS keys set`,
    `[lb-nat ${d}] requests to 10.1.3.61:80 alternate`,
    `[lb-nat ${d}] real1's web server stopped`,
    `[lb-nat ${d}] the service keeps answering`,
    `[lb-nat ${d}] stopping ldirectord empties the table`,
  ]);
  await reportChecks(t, join(res, 'tier2.result'), ran, required);
});
