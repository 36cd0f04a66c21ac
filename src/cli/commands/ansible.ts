// `lvsgen ansible TOPOLOGY -o DIR`: DIR/inventory.yml (src/ansible), lvsgen's
// playbook and role (ansible/ in lvsgen's folder, copied as is), ansible.cfg,
// and every host's bundle as DIR/bundles/<host>.tar.gz (the tarball `lvsgen
// package` writes: one file to copy per host, mode 0600 when it holds a secret).
// Then `cd DIR && ansible-playbook site.yml` deploys the cluster.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { PLAYBOOK_FILES, renderInventory } from '../../ansible/inventory.js';
import { OutputError } from '../../bundle/write.js';
import { DEFAULT_MAINTAINER, DEFAULT_SOURCE_DATE_EPOCH, DEFAULT_VERSION, hostPackage, packHost } from '../../package/host-package.js';
import { LVSGEN_ROOT } from '../../render/distros.js';
import { distros, generate } from '../generate.js';
import { count, inTopologyFile, printWarnings, type Io } from '../io.js';
import { writeFileWhole } from '../write-file.js';

interface AnsibleArgs {
  topology: string;
  out: string;
  distro?: string;
}

export function ansibleCommand(io: Io): CommandModule<object, AnsibleArgs> {
  return {
    command: 'ansible <topology>',
    describe: 'Write DIR/inventory.yml, site.yml (a playbook that runs each host\'s installer in a safe order) and DIR/bundles/<host>/.',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Directory for the inventory, playbook and bundles (created)' })
        .option('distro', { type: 'string', choices: [...distros().keys()], describe: 'Override every host\'s distro' }),
    handler: async (a) => {
      // The bundles hold the heartbeat key: it must be available, as for render.
      const g = inTopologyFile(a.topology, () => generate(a.topology, a.distro !== undefined ? { distro: a.distro } : {}));
      printWarnings(io, a.topology, g.warnings);
      const files = new Map<string, string>([['inventory.yml', renderInventory(g.model)]]);
      for (const f of PLAYBOOK_FILES) files.set(f, readFileSync(join(LVSGEN_ROOT, 'ansible', f), 'utf8'));
      const tarballs = new Map<string, { bytes: Buffer; mode: number }>();
      for (const b of g.bundles) {
        const pkg = hostPackage(b, { cluster: g.model.name, version: DEFAULT_VERSION, release: '1', mtime: DEFAULT_SOURCE_DATE_EPOCH, maintainer: DEFAULT_MAINTAINER });
        tarballs.set(`bundles/${b.host}.tar.gz`, { bytes: await packHost(pkg, 'tar'), mode: b.files.some((f) => f.secret) ? 0o600 : 0o644 });
      }
      try {
        mkdirSync(a.out, { recursive: true });
        for (const f of [...files.keys(), ...tarballs.keys()]) mkdirSync(join(a.out, dirname(f)), { recursive: true });
      } catch (e) {
        throw new OutputError(`cannot create ${a.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      let written = 0;
      for (const [f, text] of files) if (writeFileWhole(join(a.out, f), text)) written++;
      for (const [f, t] of tarballs) if (writeFileWhole(join(a.out, f), t.bytes, t.mode)) written++;
      const what = `${count(g.bundles.length, 'host')}; run: cd ${a.out} && ansible-playbook site.yml --check --diff`;
      io.out(written > 0 ? `wrote ${a.out}: ${what}\n` : `${a.out} is up to date: ${what}\n`);
    },
  };
}
