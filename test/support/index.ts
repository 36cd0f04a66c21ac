// test/support: the one support module of the tests (test/e2e included,
// through test/helpers.ts). Tests import it as '../support/index.js'; it runs
// nothing on import. By concern:
//   env.ts       REPO, example(), sourceFile(); the CI rule (CI=true or CI=1:
//                a missing tool, root or static busybox fails instead of
//                skipping); which/have, requireTools, requireRoot, staticBusybox
//   tmp.ts       tempDir (removed by t.after or a file's `after`), withTempDir,
//                fileScope (an owner for the whole test file)
//   proc.ts      sh (returns what happened), run/runBytes (fail unless exit 0),
//                ok, cli (the CLI in process), unique, stop, sleep, until
//   netns.ts     netns (lo up) and bareNetns (as `ip netns add` leaves it),
//                both removed and checked gone by t.after; link, lan, spawnIn,
//                interfacesOf, ifupAll
//   networkmanager.ts withNetworkManager: NetworkManager run in a namespace
//   render.ts    generateFile/bundlesOf/generateText/bundlesOfCase (the
//                pipeline in process); render/renderText/renderCase (the CLI
//                into a temp dir) and their one Rendered type; textFile (a host's
//                file of topology text), problemsOf, assertRefused
//   cases.ts     EXAMPLES, ALL_EXAMPLES, DISTROS, TODAY_DISTROS; GOLDEN_CASES, the one table
//                of golden cases (TODAY_CASES is its today's-distros part),
//                caseName; PAIR, SORRY_HOSTS (sorry servers that are hosts)
//   files.ts     read, snapshotTree; an administrator's files: ADMIN_FILTER (a filter
//                table), ADMIN_FIREWALLD_CONF and ADMIN_FIREWALLD_ZONE (firewalld, SSH only)
//   consumers.ts norm, lines, sysctlEntries, sourced, installerCommands, assertKeepalivedReads,
//                installerPrograms, kernelConfig, serviceBlock (one service of
//                ldirectord.cf or keepalived.conf), LOGGING_STUB (a scratch root's stub),
//                stubbedRoot and installOn (a scratch root with the administrator's
//                files, an installer run on it)
// Fixtures, imported from their own file (not re-exported here, to keep their
// dependencies out of the other tests): scale.ts (scaledTopology),
// arbitrary.ts (fast-check topologies), package-fixture.ts (the synthetic
// package), host-package.ts (scratch roots and stubs for the host packages),
// ldirectord-run.ts (ldirectord run in a namespace, its ipvsadm commands logged),
// lab.ts (labPipeline, labPlan: the plan `lvsgen lab` runs, without running it).
export * from './cases.js';
export * from './consumers.js';
export * from './env.js';
export * from './files.js';
export * from './netns.js';
export * from './networkmanager.js';
export * from './proc.js';
export * from './render.js';
export * from './tmp.js';
