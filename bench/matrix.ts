// What the benchmark measures and what it reports: the layouts, the steps of
// each run, and the shape of the results (docs/benchmarks.json).
import type { Fairness } from './ansible.js';
import type { Measured } from './measure.js';

export const LAYOUTS = {
  single: { label: 'one director (ldirectord), redhat and debian mixed, NAT', options: { directorPair: false, mixDistros: ['redhat', 'debian'] } },
  pair: { label: 'director pair (keepalived, VRRP), debian12 and rhel9 mixed, direct routing', options: { directorPair: true, mixDistros: ['debian12', 'rhel9'] } },
} as const;
export type Layout = keyof typeof LAYOUTS;
export const SERVICES = 10;

/** What is measured per topology, in the order each run takes them. */
export const STEPS = [
  { id: 'validate', label: 'lvsgen validate' },
  { id: 'render', label: 'lvsgen render (validate + render + write all bundles), fresh' },
  { id: 'rerender', label: 'lvsgen render again, unchanged (rewrites nothing)' },
  { id: 'cp', label: 'cp -a of the rendered tree (I/O floor)' },
  { id: 'package-tar', label: 'lvsgen package --format tar' },
  { id: 'package-deb', label: 'lvsgen package --format deb' },
  { id: 'package-rpm', label: 'lvsgen package --format rpm' },
  { id: 'package-all', label: 'lvsgen package (tar, deb and rpm)' },
  { id: 'tar-hosts', label: 'tar -czf of each host\'s tree (one archive per host)' },
  { id: 'tar-one', label: 'tar -czf of the whole tree (one archive)' },
] as const;
export type StepId = (typeof STEPS)[number]['id'];

export interface Options {
  sizes: number[];
  layouts: Layout[];
  runs: number;
  /** Runs at N >= 10,000, which take minutes each. */
  largeRuns: number;
  ansibleSizes: number[];
  ansibleRuns: number;
  work?: string;
  json?: string;
  md?: string;
  smoke: boolean;
  /** Write only the report, from this results file. */
  reportFrom?: string;
}

export interface FleetResult {
  layout: Layout;
  n: number;
  hosts: number;
  files: number;
  /** Bytes of the rendered tree. */
  bytes: number;
  topologyBytes: number;
  steps: Partial<Record<StepId, Measured>>;
  /** The unchanged re-render, every run: files whose size, mtime or inode changed (0 each time), and lvsgen's message. */
  unchanged: { runs: number; filesChecked: number; changed: number; linkKept: boolean; message: string };
}

export interface AnsibleResult {
  n: number;
  hosts: number;
  playbook: Measured;
  render: Measured;
  packageTar: Measured;
  /** cp -a of lvsgen's output and tar -czf of each host: what copying and archiving the finished files costs in C. */
  floor?: Measured;
  fairness: Fairness;
}

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  kernel: string;
  os: string;
  node: string;
  ansible?: string;
  filesystem: string;
  loadStart: number[];
  loadEnd?: number[];
}

export interface BenchResults {
  generated: string;
  options: Omit<Options, 'work' | 'json' | 'md' | 'reportFrom'>;
  machine: Machine;
  fleet: FleetResult[];
  ansible: AnsibleResult[];
  fairness: Fairness[];
  durationSeconds?: number;
}
