// `lvsgen ipvsadm TOPOLOGY`: the table each director should show once every
// real server passes its check.
import type { CommandModule } from 'yargs';
import { renderIpvsadmTable } from '../../render/ipvsadm-table.js';
import { distros, generate } from '../generate.js';
import { inTopologyFile, printWarnings, UsageError, type Io } from '../io.js';

interface IpvsadmArgs {
  topology: string;
  host?: string;
  'ipvs-version': string;
}

export function ipvsadmCommand(io: Io): CommandModule<object, IpvsadmArgs> {
  return {
    command: 'ipvsadm <topology>',
    describe: 'Print the `ipvsadm -L -n` table each director should show once every real server passes its check.',
    builder: (y) =>
      y
        .positional('topology', { type: 'string', demandOption: true })
        .option('host', { type: 'string', describe: 'Only this director' })
        .option('ipvs-version', { type: 'string', default: '1.0.4', describe: 'Version shown in the first line' }),
    handler: (a) => {
      // The table needs no key: a key source that is not there is a warning.
      const g = inTopologyFile(a.topology, () => generate(a.topology, { missingSecret: 'warning' }));
      printWarnings(io, a.topology, g.warnings);
      const directors = g.model.hosts.filter((h) => h.roles.director && (a.host === undefined || h.name === a.host));
      if (a.host !== undefined && directors.length === 0) throw new UsageError(`--host ${a.host}: no director of that name`);
      if (directors.length === 0) io.err('no director in this topology\n');
      // a director itself as real server: as its distro's kernel shows it (renderIpvsadmTable)
      const set = distros();
      for (const d of directors) io.out(`${directors.length > 1 ? `==> ${d.name} <==\n` : ''}${renderIpvsadmTable(d, a['ipvs-version'], set.get(d.distro)?.vars.ipvs_local)}`);
    },
  };
}
