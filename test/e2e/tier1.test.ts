// Tier 1 of issue 4 ("Prove the clusters work"): for each example and each
// distro, freshly rendered bundles are installed by their own installers on
// hosts that are network namespaces of this machine (each with a private root
// filesystem), and the states the seeds tell operators to check, the traffic
// (with negative controls), ldirectord (against a stateful ipvsadm stand-in:
// this kernel has no IPVS) and heartbeat's failover are checked. Debian 12's
// bundles run the same way, their systemd units driven by kit/debian12's
// systemctl, and ha-cidr's pair fails over by keepalived's VRRP.
// The work is done by tier1.sh (see there and lib/cluster.sh); every check it
// makes becomes a subtest here.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLES, requireRoot, requireTools } from '../helpers.js';
import { DISTRO_TOOLS, E2E, nsPrefix, predictTable, render, reportChecks, required, runBounded, TIER1_DISTROS, TIER1_TOOLS, wiring, workDir, writeFile } from './e2e-helpers.js';

// The six clusters share nothing (their own namespaces, bridges inside
// namespaces, their own roots): they run side by side.
describe('tier 1 (namespaces)', { concurrency: true }, () => {
  for (const name of EXAMPLES) {
    for (const distro of TIER1_DISTROS) {
      it(`${name} on ${distro}`, { timeout: 330_000 }, async (t) => {
        if (!requireRoot(t) || !requireTools(t, ...TIER1_TOOLS, ...(DISTRO_TOOLS[distro] ?? []))) return;
        const dir = workDir(t, `lvsgen-e2e-${name}-${distro}-`);
        const bundles = join(dir, 'bundles');
        render(name, distro, bundles);
        const out = join(dir, 'out');
        mkdirSync(out);
        const wiringFile = writeFile(join(dir, 'wiring'), wiring(name, distro));
        if (name === 'lb-nat') writeFile(join(out, 'prediction'), predictTable(name));
        const prefix = nsPrefix();
        // TMPDIR: the script's work directory (host roots) lives inside ours
        const ran = await runBounded(t, join(E2E, 'tier1.sh'), [name, distro, bundles, wiringFile, out], 300_000, { E2E_PREFIX: prefix, TMPDIR: dir }, prefix);
        t.diagnostic(`tier1.sh ${name} ${distro}: ${(ran.ms / 1000).toFixed(1)} s, exit ${ran.status}`);
        await reportChecks(t, join(out, 'result'), ran, required(name, distro));
      });
    }
  }
});
