// The access line's hand-made JSON string literals are exactly what JSON.stringify (with C1 escaped) writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessMembers, durationText, jsonString, servedMembers } from '../lib/log.ts';

test('jsonString is JSON.stringify with C1 controls and U+2028/U+2029 escaped, for plain and odd strings', () => {
  const odd = ['', 'a"b', 'a\\b', '\u0000', '\u001f', '\u007f', '\u0080', '\u0085x', '\u009f', '\u00a0', '\u00ff', '\u2028', '\u2029', '\ud800', 'é', '😀'];
  for (const value of ['/', 'Root=1-67891233-abcdef012345678912345678', ' ~!#$%&\'()*+,-./09:;<=>?@AZ[]^_`az{|}', ...odd]) {
    const expected = JSON.stringify(value).replace(/[\u0080-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    assert.equal(jsonString(value), expected, JSON.stringify(value));
  }
});

test('accessMembers quotes a method and a client exactly as JSON.stringify does, plain or not', () => {
  for (const [method, client] of [['GET', '203.0.113.7'], ['M"\\', 'fe80::1%eth"0'], ['\u0085', '\u2028']] as const) {
    const members = JSON.parse(`{${accessMembers(method, '/', 200, 1.5, client, '"id"', 26)}}`) as Record<string, unknown>;
    assert.deepEqual(members, { method, path: '/', status: 200, duration_ms: 1.5, client, request_id: 'id', bytes: 26 });
    const text = accessMembers(method, '/', 200, 1.5, client, '"id"', 26);
    assert.ok(text.startsWith(`"method":${JSON.stringify(method)},`), text);
    assert.ok(text.includes(`,"client":${JSON.stringify(client)},`), text);
  }
});

test('jsonString escapes long values too, and accessMembers follows a method and a status that change', () => {
  const long = 'x'.repeat(20);
  for (const odd of ['"', '\\', '\u0000', '\u0085', '\u2028', 'é']) {
    const value = `${long}${odd}${long}`;
    const expected = JSON.stringify(value).replace(/[\u0080-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    assert.equal(jsonString(value), expected, JSON.stringify(value));
  }
  for (const [method, status] of [['GET', 200], ['GET', 200], ['HEAD', 200], [null, 400], ['GET', 404], ['GET', 200]] as const) {
    const members = JSON.parse(`{${accessMembers(method, '/', status, 1.5, '203.0.113.7', '"id"', 26)}}`) as Record<string, unknown>;
    assert.equal(members.method, method);
    assert.equal(members.status, status);
  }
});

test('durationText writes what String(Math.round(ms * 1000) / 1000) writes, for every microsecond up to 3 s and beyond', () => {
  const expected = (ms: number): string => String(Math.round(ms * 1000) / 1000);
  for (let micros = 0; micros <= 3_000_000; micros++) {
    const ms = micros / 1000;
    if (durationText(ms) !== expected(ms)) assert.fail(`${ms}: ${durationText(ms)} !== ${expected(ms)}`);
  }
  // Unrounded readings of performance.now() differences, the limits of the table's range and what lies past them.
  const others = [0.0004, 0.0005, 0.00049999, 1.23456789, 999.9995, 1e-9, 2_147_483.647, 2_147_483.6474, 2_147_483.648, 1e12, 1e21, -0, -0.0004, -1.5];
  let seed = 11;
  for (let count = 0; count < 100_000; count++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    others.push((seed / 2_147_483_648) * (count % 2 === 0 ? 50 : 5_000_000));
  }
  for (const ms of [...others, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(durationText(ms), expected(ms), String(ms));
});

test('servedMembers writes the text accessMembers writes for the same request, plain values or odd ones', () => {
  const odd = ['', 'a"b', 'a\\b', '\u0000', '\u0085x', '\u2028', 'é', '😀', 'x'.repeat(20)];
  const paths = ['/', '/health', '/a%C2%85b', ...odd];
  const clients = ['203.0.113.7', '2001:db8::1', 'fe80::1%eth0', ...odd];
  const traces = [undefined, 'Root=1-67891233-abcdef012345678912345678', 'Root="x\\y";Self=1-2-3', ...odd];
  const uuid = /"request_id":"[0-9a-f-]{36}"/;
  let index = 0;
  for (const path of paths) {
    for (const client of clients) {
      const trace = traces[index++ % traces.length];
      const method = index % 3 === 0 ? 'HEAD' : 'GET';
      const status = index % 4 === 0 ? 404 : 200;
      const served = servedMembers(method, path, status, 1.0625, client, trace, 26).replace(uuid, '"request_id":"<uuid>"');
      const requestId = trace === undefined ? '"<uuid>"' : jsonString(trace);
      // accessMembers leaves C1 controls in a client raw (addresses have none); servedMembers escapes them too.
      const expected = accessMembers(method, path, status, 1.063, client, requestId, 26).replace(
        `,"client":${JSON.stringify(client)},`,
        `,"client":${jsonString(client)},`,
      );
      assert.equal(served, expected);
    }
  }
});
