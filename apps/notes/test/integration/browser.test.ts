/**
 * A real browser (Debian's chromium through playwright-core) against the app on MariaDB with a
 * real userauth: log in, add a note that a second browser sees appear live on its home page,
 * edit it while the second browser has it open, comment, delete, and log out.
 */
import { randomBytes } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDb } from '../../../../test/bed/mariadb.ts';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';
import { startTestNotes, type TestNotes } from '../helpers/notes-app.ts';

const LIVE_TIMEOUT = 5_000;

describe('the notes app in a real browser', () => {
  let mariadb: MariaDb;
  let userauth: Userauth;
  let app: TestNotes;
  let browser: Browser;

  beforeAll(async () => {
    [mariadb, userauth] = await Promise.all([startMariaDb(), startUserauth()]);
    await userauth.createUser({
      username: 'erin',
      password: 'erin-password-1',
      givenName: 'Erin',
      familyName: 'Example',
    });
    const { url } = await mariadb.createDatabase(`notes_${randomBytes(4).toString('hex')}`);
    app = await startTestNotes({
      databaseUrl: url,
      userauthUrl: userauth.url,
      userauthKey: userauth.apiKey,
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await (browser as Browser | undefined)?.close();
    await (app as TestNotes | undefined)?.stop();
    await Promise.all([
      (userauth as Userauth | undefined)?.stop(),
      (mariadb as MariaDb | undefined)?.stop(),
    ]);
  });

  it('shows changes live in a second browser', async () => {
    const author = await browser.newContext({ baseURL: app.url });
    const reader = await browser.newContext({ baseURL: app.url });
    const errors: string[] = [];
    try {
      const a = await author.newPage();
      const b = await reader.newPage();
      for (const page of [a, b]) {
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
      }

      // The reader watches the home page; its live stream is open before anything changes.
      await b.goto('/');
      await b.locator('#note-list[data-live-state="open"]').waitFor();

      // Log in through the form; the login page sends us back to /notes/add.
      await a.goto('/notes/add');
      await expect.poll(() => a.url()).toContain('/users/login?returnTo=%2Fnotes%2Fadd');
      await a.fill('#username', 'erin');
      await a.fill('#password', 'erin-password-1');
      await a.click('button[type=submit]');
      await a.waitForURL('**/notes/add');
      expect(await a.locator('.who').textContent()).toBe('Erin Example');

      await a.fill('#notekey', 'browser-note');
      await a.fill('#title', 'Seen <live>');
      await a.fill('#body', 'First version');
      await a.click('form.note-form button[type=submit]');
      await a.waitForURL('**/notes/view?key=browser-note');
      expect(await a.locator('#note-title').textContent()).toBe('Seen <live>');

      // It appears on the reader's home page without a reload.
      const link = b.locator('#note-list a', { hasText: 'Seen <live>' });
      await link.waitFor({ timeout: LIVE_TIMEOUT });
      expect(await link.getAttribute('href')).toBe('/notes/view?key=browser-note');

      // The reader opens it; the author edits it; the reader's open view follows.
      await link.click();
      await b.waitForURL('**/notes/view?key=browser-note');
      await b.locator('#note[data-live-state="open"]').waitFor();
      await a.click('a[href="/notes/edit?key=browser-note"]');
      await a.fill('#title', 'Edited title');
      await a.fill('#body', 'Second version\nwith two lines');
      await a.click('form.note-form button[type=submit]');
      await a.waitForURL('**/notes/view?key=browser-note');
      await expect
        .poll(() => b.locator('#note-title').textContent(), { timeout: LIVE_TIMEOUT })
        .toBe('Edited title');
      expect(await b.locator('#note-body').textContent()).toBe('Second version\nwith two lines');

      // A comment appears live on the reader's page.
      await a.fill('#message', 'Nice <b>note</b>');
      await a.click('#comment-form button[type=submit]');
      const comment = b.locator('#comment-list .comment-body', { hasText: 'Nice <b>note</b>' });
      await comment.waitFor({ timeout: LIVE_TIMEOUT });
      expect(await b.locator('#comment-list .comment-author').first().textContent()).toBe(
        'Erin Example',
      );
      // The reader is anonymous: no delete button on the live-added comment.
      expect(await b.locator('#comment-list form').count()).toBe(0);

      // The author deletes the comment and then the note; the reader sees both.
      await a.locator('#comment-list form.comment-delete button').first().click();
      await comment.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT });
      await a.click('a[href="/notes/destroy?key=browser-note"]');
      await a.click('form[action="/notes/destroy/confirm"] button[type=submit]');
      await a.waitForURL((url) => url.pathname === '/');
      await b.locator('#note-deleted').waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      expect(await b.locator('#note-deleted').textContent()).toContain('This note was deleted');

      // Log out.
      await a.click('a.logout');
      await a.waitForURL((url) => url.pathname === '/');
      expect(await a.locator('header a.button', { hasText: 'Log in' }).count()).toBe(1);
      await a.goto('/notes/add');
      await expect.poll(() => a.url()).toContain('/users/login');

      expect(errors).toEqual([]);
    } finally {
      await author.close();
      await reader.close();
    }
  });
});
