// derive/ports.ts: the one order and deduplication of a host's ports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortRange } from '../../src/derive/model.js';
import { portRanges, portText } from '../../src/derive/ports.js';

const r = (protocol: 'tcp' | 'udp', from: number, to = from): PortRange => ({ protocol, from, to });
const show = (xs: PortRange[]) => xs.map((x) => `${portText(x)}/${x.protocol}`);

test('portRanges: by first port as a number, then last port, then tcp before udp; each once; a range of the same protocol covering another drops it', () => {
  assert.deepEqual(
    show(portRanges([r('udp', 8848), r('tcp', 10000, 10100), r('tcp', 443), r('udp', 53), r('tcp', 53), r('tcp', 80), r('tcp', 443), r('tcp', 10050), r('udp', 10050), r('tcp', 10000, 10010), r('tcp', 9, 9)])),
    ['9/tcp', '53/tcp', '53/udp', '80/tcp', '443/tcp', '8848/udp', '10000-10100/tcp', '10050/udp'],
  );
  // ranges that overlap without covering each other both stay, in order of their first port
  assert.deepEqual(show(portRanges([r('tcp', 20, 30), r('tcp', 10, 25)])), ['10-25/tcp', '20-30/tcp']);
  assert.deepEqual(portRanges([]), []);
});
