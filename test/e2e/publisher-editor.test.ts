/**
 * The publisher's CodeMirror editor in Chromium through `serve` (real redis-server): typed invalid
 * JSON gets a lint mark on exactly the character the parser names, and the gutter marks its line;
 * fixed, the batch previews and publishes. Undo, search, bracket matching and template insertion
 * work from the keyboard; a 20,000-line source keeps the DOM to the lines in view. The CSP stays
 * strict: no test here may see a violation (app.problems).
 */
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shot, startE2e, type AppPage, type E2e } from '../helpers/e2e';
import { EDITOR, setEditorText } from '../helpers/editor';

const PREFIX = 'ed';

describe('the publish editor', () => {
  let e2e: E2e;
  let app: AppPage;
  let admin: Redis;

  beforeAll(async () => {
    e2e = await startE2e({
      connect: { prefix: PREFIX },
      seed: async (redis) => {
        await redis.admin().xadd(`${PREFIX}:shard:1`, '1700000000000-0', 'd', '{"r":{"seed":1},"t":1,"s":1}', 'dedup_id', 'abc:1:0:0');
      },
    });
    admin = e2e.redis.admin();
    app = await e2e.open({ colorScheme: 'dark' });
    await app.page.locator('[data-shard="1"]').waitFor();
    await app.page.locator('[data-view-tab="publish"]').click();
    await app.page.locator('[data-view="publish"]').waitFor();
    // The target shard is a combobox (i14a): a typed id with no stream yet is offered as a new stream.
    await app.page.locator('[data-publisher-shard]').fill('7');
    await app.page.locator('[data-publisher-shard]').press('Enter');
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('marks typed invalid JSON at the exact character; fixed, it publishes', async () => {
    const { page } = app;
    const editor = page.locator(EDITOR);
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // Brackets and quotes close themselves as typed; the typed closers step over them.
    await page.keyboard.type('[{"a": 1},\n{"b": 2,}');
    const problem = page.locator('[data-publisher-problem]');
    await problem.waitFor();
    const line = Number(await problem.getAttribute('data-line'));
    const column = Number(await problem.getAttribute('data-column'));
    expect([line, column]).toEqual([2, 9]);
    // The lint mark covers exactly that character (the stray `}`), on that line.
    const mark = page.locator('.cm-lintRange-error');
    await mark.waitFor();
    expect(await mark.textContent()).toBe('}');
    const lines = page.locator('.cm-line');
    expect(await lines.nth(line - 1).locator('.cm-lintRange-error').count()).toBe(1);
    expect(await lines.nth(0).locator('.cm-lintRange-error').count()).toBe(0);
    expect(await page.locator('.cm-lint-marker-error').count()).toBe(1);
    expect(await page.locator('[data-publisher-editor]').getAttribute('data-problem-offset')).toBe(String('[{"a": 1},\n{"b": 2,'.length));
    await shot(page, 'publisher-editor-lint-dark');

    // Fix it: the cursor is after the `}` (typed over its auto-closed twin); delete the comma before it.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Backspace');
    await page.locator('[data-publisher-valid]').waitFor();
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
    expect(await page.locator('[data-publisher-valid]').textContent()).toContain('2 events');

    await page.keyboard.press('Control+Shift+P');
    await page.locator('[data-publisher-preview][data-current="true"]').waitFor();
    await page.keyboard.press('Control+Enter');
    await page.locator('[data-publisher-result]').waitFor();
    const raw = await admin.xrange(`${PREFIX}:shard:7`, '-', '+');
    expect(raw.map((e) => JSON.parse(e[1][1] ?? '{}').r)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(app.problems).toEqual([]);
  });

  it('undoes, matches brackets, searches and inserts templates at the cursor', async () => {
    const { page } = app;
    await setEditorText(page, '[{"n": 1}]');
    await page.locator('[data-publisher-valid]').waitFor();
    // The cursor after the paste is at the end, next to `]`: both brackets of the pair are marked.
    await page.keyboard.press('ControlOrMeta+End');
    expect(await page.locator('.cm-matchingBracket').count()).toBe(2);

    // A template chip goes in at the cursor.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.type(', "i": ');
    await page.locator('.pub-tpls button', { hasText: '{{i}}' }).click();
    await expect.poll(() => page.locator('.cm-content').textContent()).toBe('[{"n": 1, "i": {{i}}}]');

    // Undo takes back the template (its own step), then the typing.
    await page.keyboard.press('ControlOrMeta+Z');
    await expect.poll(() => page.locator('.cm-content').textContent()).toBe('[{"n": 1, "i": }]');

    // Search: Mod-F opens CodeMirror's panel; matches are marked in the text.
    await page.keyboard.press('ControlOrMeta+F');
    const field = page.locator('.cm-search input[name="search"]');
    await field.waitFor();
    await field.click();
    await page.keyboard.type('"n"');
    await expect.poll(() => page.locator('.cm-searchMatch').count()).toBe(1);
    await shot(page, 'publisher-editor-search-dark');
    await page.keyboard.press('Escape');
    expect(await page.locator('.cm-search').count()).toBe(0);
    expect(app.problems).toEqual([]);
  });

  it('keeps a 20,000-line source to the lines in view, and marks an error on its last line', async () => {
    const { page } = app;
    const lines = ['['];
    for (let i = 0; i < 19_998; i++) lines.push(`  {"type": "load", "n": ${i}, "user": "u${i % 97}"},`);
    lines.push('  {"oops": }');
    await setEditorText(page, lines.join('\n'));
    // Parsed in a worker: the status says so until the result is in.
    const problem = page.locator('[data-publisher-problem][data-line="20000"]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-column')).toBe('12');
    expect(await page.locator('.cm-line').count()).toBeLessThan(300);
    await page.locator('[data-publisher-problem] button', { hasText: 'Go to error' }).click();
    const mark = page.locator('.cm-lintRange-error');
    await mark.waitFor();
    expect(await mark.textContent()).toBe('}');
    expect(await page.locator('.cm-gutterElement', { hasText: /^20000$/ }).count()).toBe(1);
    expect(app.problems).toEqual([]);
  });
});
