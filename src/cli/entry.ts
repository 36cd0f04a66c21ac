// The command: run the CLI with this process's arguments. `make build` also
// bundles this file and everything it imports into dist/src/cli/lvsgen.cjs,
// which bin/lvsgen loads with a V8 code cache (see there).
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`lvsgen: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
