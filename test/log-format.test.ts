// The access line's hand-made JSON string literals are exactly what JSON.stringify (with C1 escaped) writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessMembers, jsonString } from '../lib/log.ts';

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
