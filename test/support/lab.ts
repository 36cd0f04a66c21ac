// The lab's plan of a topology, as `lvsgen lab` makes it: the pipeline in
// process (no key files), then the same pure call as the command
// (src/cli/commands/lab.ts). Shared by the lab's unit tests and test/e2e.
import { hostsWithVerify, labDistro, planLab, type LabPlan } from '../../src/lab/plan.js';
import { runPipeline, type Generated } from '../../src/pipeline.js';
import { loadDistros, type DistroSet } from '../../src/render/distros.js';

let distros: DistroSet | undefined;
/** The repository's distros, read on first use (importing this module reads nothing). */
const distrosOnce = (): DistroSet => (distros ??= loadDistros());

/** The pipeline's result for a topology of the examples or held in a test (no key files), on one distro or each host's own. */
export function labPipeline(text: string, distro?: string): Generated {
  return runPipeline(text, { distros: distrosOnce(), env: {}, readKeyFile: () => { throw new Error('no key file in these topologies'); }, ...(distro ? { distro } : {}) });
}

/** The plan lvsgen lab will run (the same pure call as the command); a refused topology throws the pipeline's error. */
export function labPlan(text: string, distro?: string): LabPlan {
  const g = labPipeline(text, distro);
  const verifying = hostsWithVerify(g.bundles);
  return planLab(g.model, g.topology, {
    distro: (name) => labDistro(distrosOnce().get(name)!),
    verifies: (h) => verifying.has(h),
  });
}
