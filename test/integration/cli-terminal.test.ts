/**
 * Issue 12, item 5: what the command line prints for people never drives the terminal. Data from
 * Redis (dedup_ids, payload text, keys, corrupt reasons) holding escape sequences, other control
 * characters or bidi overrides is printed escaped by the built CLI, as a user runs it; `--json`
 * keeps the exact text (JSON escapes the C0 controls itself); `--prefix` refuses control characters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../shared/wire';
import { buildCli, runCli } from '../helpers/cli-run';
import { startRedis, type TestRedis } from '../helpers/redis-server';

const CLEAR = '\u001b[2J';
const TITLE = '\u001b]0;owned\u0007';
const BIDI = '\u202e';
// JSON allows C1 controls raw in a string; 0x9b is an 8-bit CSI, which some terminals obey.
const CSI8 = '\u009b2J';
// Any C0 control but line feed, DEL, C1, and the bidi overrides/isolates: none may reach the terminal.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let server: TestRedis;
let redis: Redis;
let home: string;

beforeAll(async () => {
  buildCli();
  server = await startRedis();
  redis = server.admin();
  home = mkdtempSync(path.join(tmpdir(), 'mesh-cli-term-'));
  const key = 'esc:shard:0';
  // A good entry whose dedup_id clears the screen and whose payload clears it too (8-bit CSI) and
  // reverses the text after it, and a corrupt entry whose stored `d` (quoted in its reason) sets
  // the window title.
  await redis.xadd(key, '*', 'd', encodePayload(`{"msg":"a${CSI8}b${BIDI}c"}`, 1n, 0), 'dedup_id', `${CLEAR}9f:0:0:0`);
  await redis.xadd(key, '*', 'd', `not json ${CLEAR}${TITLE}\u0085\r\nfake line`, 'dedup_id', `9f:0:1:0${BIDI}`);
  // A key that looks like a shard but is not one: `shards` lists it with the reason, key included.
  await redis.xadd(`esc:shard:1${CLEAR}`, '*', 'd', 'x');
});

afterAll(async () => {
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('human output escapes control characters from Redis', () => {
  it('read prints a dedup_id holding ESC[2J escaped, and payload and reason controls too', async () => {
    const run = await runCli(['read', '--url', server.url, '--prefix', 'esc', '--shard', '0'], home);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(RAW_CONTROL);
    expect(run.stdout).toContain('\\x1b[2J9f:0:0:0');
    expect(run.stdout).toContain('a\\x9b2Jb\\u202ec');
    expect(run.stdout).toContain('9f:0:1:0\\u202e');
    // A line break inside data never starts a line of its own.
    expect(run.stdout.split('\n').some((line) => line.startsWith('fake line'))).toBe(false);
  });

  it('read --json keeps the exact text, as JSON escapes it', async () => {
    const run = await runCli(['read', '--url', server.url, '--prefix', 'esc', '--shard', '0', '--json'], home);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(CLEAR);
    const page = JSON.parse(run.stdout) as { entries: Array<{ dedupId?: string; r?: string; d?: string }> };
    expect(page.entries[0]?.dedupId).toBe(`${CLEAR}9f:0:0:0`);
    expect(page.entries[0]?.r).toBe(`{"msg":"a${CSI8}b${BIDI}c"}`);
    expect(page.entries[1]?.d).toContain(`${CLEAR}${TITLE}`);
  });

  it('shards and scan print a key holding ESC[2J escaped', async () => {
    for (const command of ['shards', 'scan']) {
      const run = await runCli([command, '--url', server.url, '--prefix', 'esc'], home);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).not.toMatch(RAW_CONTROL);
      expect(run.stdout, command).toContain('esc:shard:1\\x1b[2J');
    }
  });

  it('--prefix refuses control characters, before anything is sent', async () => {
    for (const prefix of [`net${CLEAR}`, 'net\nx', 'net\u0085']) {
      const run = await runCli(['shards', '--url', 'redis://127.0.0.1:1', '--prefix', prefix], home);
      expect(run.code).toBe(64);
      expect(run.stderr).toMatch(/--prefix: a prefix cannot contain control characters \(found \\x(1b|0a|85) at position 4\)/);
      expect(run.stderr).not.toMatch(RAW_CONTROL);
    }
  });
});
