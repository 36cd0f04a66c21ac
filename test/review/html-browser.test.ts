// The review page (lvsgen diff --format html) in a real browser: headless
// Chromium renders it (a screenshot: the page's size, not blank, the
// side-by-side table's colours present) and its DOM holds every changing
// host, each file side by side, the secrets masked and never their values;
// the page loads nothing from anywhere (no script, no link, no image).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, example, requireTools, tempDir } from '../support/index.js';
import { dumpDom, pngPixels, screenshot } from '../graph/browser.js';

const KEY = 'example-only-change-me';

test('the HTML review page in headless Chromium: per host, side by side, secrets masked, self-contained', async (t) => {
  if (!requireTools(t, 'chromium', 'timeout')) return;
  const dir = tempDir(t);
  const out = join(dir, 'out');
  assert.equal((await cli('render', example('ha-cidr'), '-o', out)).status, 0);
  // On disk: another key, an edited ha.cf on both nodes, and a file the topology does not have.
  for (const n of ['node1', 'node2']) {
    writeFileSync(join(out, n, 'etc/ha.d/authkeys'), 'auth 1\n1 md5 the-old-secret-on-disk\n');
    const cf = join(out, n, 'etc/ha.d/ha.cf');
    writeFileSync(cf, readFileSync(cf, 'utf8').replace(/^deadtime .*$/m, 'deadtime 30'));
  }
  writeFileSync(join(out, 'router/etc/stray.conf'), 'not generated <b>bold?</b>\n');
  const r = await cli('diff', example('ha-cidr'), '--against', out, '--format', 'html');
  assert.equal(r.status, 1, r.stderr);
  const page = join(dir, 'review.html');
  writeFileSync(page, r.stdout);
  assert.doesNotMatch(r.stdout, /<script|<link|<img|src=|href=|url\(/i, 'self-contained: nothing to load');

  const dom = dumpDom(page);
  for (const s of [KEY, 'the-old-secret-on-disk']) assert.ok(!dom.includes(s), `the page shows ${s}`);
  assert.match(dom, /<td class="del">1 md5 \*{8}<\/td>/, 'the old key line, masked, on the left');
  assert.match(dom, /<td class="add">1 sha1 \*{8}<\/td>/, 'the new one, masked, on the right');
  for (const h of ['node1', 'node2', 'router']) assert.match(dom, new RegExp(`<section class="host" id="host-${h}">`));
  assert.match(dom, /<td class="del">deadtime 30<\/td><td class="n">\d+<\/td><td class="add">deadtime 10<\/td>/, 'a changed line side by side');
  assert.match(dom, /not generated &lt;b&gt;bold\?&lt;\/b&gt;/, 'file text is text, not markup');
  assert.match(dom, /pair node2\/node1: change node2 \(standby\) first/);

  const png = screenshot(page, join(dir, 'review.png'), 1200, 900);
  const img = pngPixels(png);
  assert.deepEqual([img.width, img.height], [1200, 900]);
  const colours = new Set<number>();
  let red = 0;
  let green = 0;
  for (let i = 0; i < img.data.length; i += img.channels) {
    const [rr, g, b] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
    colours.add((rr << 16) | (g << 8) | b);
    // The cells' backgrounds: #ffebe9 (deleted) and #e6ffec (added).
    if (rr === 0xff && g === 0xeb && b === 0xe9) red++;
    if (rr === 0xe6 && g === 0xff && b === 0xec) green++;
  }
  assert.ok(colours.size > 50, `the screenshot is not blank (${colours.size} colours)`);
  assert.ok(red > 1000 && green > 1000, `deleted and added cells are painted (${red} and ${green} pixels)`);
});
