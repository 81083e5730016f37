/**
 * The publisher's CodeMirror editor from tests. Text goes in as a paste (select all, then a paste
 * event carrying the text), which CodeMirror handles itself, as it does a user's paste. Playwright's
 * `fill()` on a contenteditable instead runs Chromium's native editing commands, which insert
 * elements with inline style attributes that the app's CSP (style-src 'self') rightly reports.
 */
import type { Page } from 'playwright-core';

export const EDITOR = '[data-publisher-source]';

export async function setEditorText(page: Page, text: string, selector = EDITOR): Promise<void> {
  const el = page.locator(selector);
  await el.click();
  await page.keyboard.press('ControlOrMeta+A');
  await el.evaluate((node, t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    node.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}
