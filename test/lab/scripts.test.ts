// The lab's shell machinery is shellcheck-clean (warnings and errors), as the
// installer is: lab.sh, its libraries and the VM scripts.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, requireTools, sh } from '../support/index.js';

test('shellcheck -S warning: lab/lab.sh, lab/lib/*.sh, lab/vm/*.sh', (t) => {
  if (!requireTools(t, 'shellcheck')) return;
  const files = [join(REPO, 'lab', 'lab.sh'),
    ...['lib', 'vm'].flatMap((d) => readdirSync(join(REPO, 'lab', d)).filter((f) => f.endsWith('.sh')).map((f) => join(REPO, 'lab', d, f)))];
  assert.ok(files.length >= 8, files.join(' '));
  const r = sh('shellcheck', ['-x', '-S', 'warning', ...files], { cwd: join(REPO, 'lab') });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
