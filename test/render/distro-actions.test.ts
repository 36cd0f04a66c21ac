// A distro's action (distros/<name>/distro.yaml `actions:`) runs commands
// (`run`), or only reloads a daemon when it runs (`running` with `reload`, as
// rhel9's firewalld: reloaded by SIGHUP, never started by lvsgen); one with
// neither is refused when the distros load, naming the distro and the action.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DISTROS_DIR, distroSet, readDistroFiles } from '../../src/render/distros.js';

test('an action with neither run nor running is refused, naming its distro and action; rhel9\'s firewalld action is a reload alone', () => {
  const files = new Map(readDistroFiles(DISTROS_DIR));
  const yaml = files.get('rhel9/distro.yaml')!;
  const fw = distroSet(files, DISTROS_DIR).get('rhel9')!.actions.find((a) => a.name === 'firewalld')!;
  assert.equal(fw.run.length, 0, 'no commands of its own');
  assert.ok(fw.running !== undefined && fw.reload.length > 0 && fw.start.length === 0, 'reloaded when it runs, never started');
  const broken = yaml.replace(/(\n {2}firewalld:\n) {4}running: [^\n]*\n/, '$1');
  assert.notEqual(broken, yaml, 'the firewalld action changed: update this test');
  files.set('rhel9/distro.yaml', broken);
  assert.throws(() => distroSet(files, DISTROS_DIR), /rhel9\/distro\.yaml: actions\.firewalld: an action runs commands \(run\), or reloads a daemon \(running, reload\)/);
});
