import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/index.ts';
import { createApiLogger } from '../../../src/api/logger.ts';
import { loadConfig } from '../../../src/config.ts';
import { attachChat } from '../../../src/roles.ts';
import { setupCore } from '../../helpers/core.ts';
import { actorOf, makeCoach, makeMember } from '../../helpers/factories.ts';
import { testRedis } from '../../api/harness.ts';

// The playground driven by a real browser (Debian's chromium through playwright-core): a new
// visitor signs up and books by clicking, the coach completes the session from its card, the
// member rates it; on a phone nothing scrolls sideways and errors stay in the conversation.
// Screenshots land in test-results/ (not committed).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-results', 'playground');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const h = await setupCore();
const redis = testRedis();
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PLAYGROUND_REDIS_PREFIX: `coachbot:test:${process.pid}:${Math.random().toString(36).slice(2)}:` });
const app = await buildApp({ core: h.core, db: h.db, redis, config, logger: createApiLogger(config) });
await attachChat(app, { db: h.db, core: h.core, clock: h.clock, config, redis, logger: createApiLogger(config) });
let base = '';
let browser: BrowserContext;
let profile = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'coachbot-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timezoneId: 'Europe/Berlin' });
});

afterAll(async () => {
  await browser?.close();
  await app.close();
  redis.disconnect();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function say(page: Page, text: string) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

const lastMessage = (page: Page) => page.locator('.msg').last();

/** Responses the page got with status 400 or more (a missing favicon would be one), as `status url`. */
function failedResponses(page: Page): string[] {
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  return failed;
}

/** How wide the page is laid out: wider than the viewport means it scrolls sideways. */
const layoutWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

const PHONE = { width: 390, height: 844 };

if (!existsSync(CHROMIUM)) console.warn(`playground browser test skipped: no chromium at ${CHROMIUM} (.ci/run installs it)`);

describe.skipIf(!existsSync(CHROMIUM))('the web playground in a browser', () => {
  it('sign up, book by clicking, coach completes from the card, member rates', async () => {
    const coach = await makeCoach(h.db, { name: 'Coach Clara', coachTimezone: 'Europe/Berlin', timezone: 'Europe/Berlin' });
    await h.core.availability.create(await actorOf(h.db, coach), { dayOfWeek: 2, startTime: '10:00', endTime: '12:00', maxSessionsPerSlot: 2, bufferMinutes: 0 });

    // The member: a new visitor.
    const member = await browser.newPage();
    await member.goto(`${base}/playground?user=`);
    await member.waitForSelector('body[data-ready]');
    await say(member, '/signup');
    await lastMessage(member).locator('select').selectOption({ label: 'Coach Clara — Europe/Berlin' });
    await member.waitForSelector('dialog[open]');
    expect(await member.inputValue('#f-name')).toBe('');
    await member.fill('#f-name', 'Pia <img src=x onerror=alert(1)>');
    await member.fill('#f-goals', 'Get stronger');
    expect(await member.inputValue('#f-timezone')).toBe('Europe/Berlin');
    await member.click('dialog button.primary');
    await member.getByText('Welcome, Pia').waitFor();
    // The visitor is now the member: the header and the user list say so.
    await member.getByText('Chatting as Pia <img src=x onerror=alert(1)> (Member)').waitFor();
    expect(await member.locator('#user option:checked').textContent()).toBe('Pia <img src=x onerror=alert(1)> — Member');
    await member.getByRole('button', { name: 'Book a session' }).click();
    await lastMessage(member).locator('select').selectOption({ index: 1 });
    await member.getByRole('button', { name: /^10:00 · 2 left/ }).waitFor();
    await member.screenshot({ path: join(SHOTS, '0-member-slots.png'), fullPage: true });
    await member.getByRole('button', { name: /^10:00 · 2 left/ }).click();
    await member.getByRole('button', { name: 'Confirm booking' }).click();
    await member.getByText('Booked ✓').waitFor();
    await expect(member.locator('.msg').last().textContent()).resolves.toContain('Tue 8 Jan 2030, 10:00–11:00 (Europe/Berlin)');
    await member.screenshot({ path: join(SHOTS, '1-member-booked.png'), fullPage: true });

    // The coach sees the new session and completes it once it has started.
    // The card offers Complete only once the session has started, so the coach opens it then.
    h.clock.set(new Date('2030-01-08T09:30:00Z'));
    const coachPage = await browser.newPage();
    await coachPage.goto(`${base}/playground?user=${coach.id}`);
    await coachPage.waitForSelector('body[data-ready]');
    await say(coachPage, '/today');
    await lastMessage(coachPage).locator('select').selectOption({ index: 1 });
    await coachPage.getByText('Session with Pia').waitFor();
    expect(await coachPage.locator('#messages img').count()).toBe(0);
    await coachPage.screenshot({ path: join(SHOTS, '2-coach-card.png'), fullPage: true });
    await coachPage.getByRole('button', { name: 'Complete' }).click();
    await coachPage.waitForSelector('dialog[open]');
    await coachPage.fill('#f-notes', 'Squats <b>deep</b>');
    await coachPage.fill('#f-outcomes', 'Add weight next time');
    await coachPage.click('dialog button.primary');
    await coachPage.getByText('Squats <b>deep</b>').first().waitFor();
    await coachPage.screenshot({ path: join(SHOTS, '3-coach-completed.png'), fullPage: true });

    // The member rates it.
    await say(member, '/rate');
    await lastMessage(member).getByRole('button', { name: '★★★★★' }).click();
    await member.waitForSelector('dialog[open]');
    await member.fill('#f-feedback', 'Great session');
    await member.click('dialog button.primary');
    await member.getByText('You rated your session with Coach Clara ★★★★★').waitFor();
    await member.screenshot({ path: join(SHOTS, '4-member-rated.png'), fullPage: true });

    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
    expect(session).toMatchObject({ status: 'completed', rating: 5, ratingFeedback: 'Great session', coachNotes: 'Squats <b>deep</b>' });
  });

  it('on a phone: the landing says whom to pick, nothing scrolls sideways, errors stay in the conversation', async () => {
    const coach = await makeCoach(h.db, { name: 'Coach Noor', coachTimezone: 'Europe/Berlin', timezone: 'Europe/Berlin' });
    await h.core.availability.create(await actorOf(h.db, coach), { dayOfWeek: 3, startTime: '09:00', endTime: '11:00', maxSessionsPerSlot: 1, bufferMinutes: 0 });
    // First of the members by name, so the landing offers them.
    const firstMember = 'Aaron Member';
    await makeMember(h.db, { name: firstMember });

    const phone = await browser.newPage();
    await phone.setViewportSize(PHONE);
    const failed = failedResponses(phone);
    await phone.goto(`${base}/playground?user=`);
    await phone.waitForSelector('body[data-ready]');
    // The landing names someone to act as for each side, and the way in for a newcomer.
    const landing = phone.locator('.landing');
    await expect(landing.getByRole('button', { name: `Act as ${firstMember}` }).count()).resolves.toBe(1);
    await expect(landing.getByRole('button', { name: /^Act as .* \(coach\)$/ }).count()).resolves.toBe(1);
    await expect(landing.textContent()).resolves.toContain('/signup');
    expect(await layoutWidth(phone)).toBeLessThanOrEqual(PHONE.width);
    await phone.screenshot({ path: join(SHOTS, '5-phone-landing.png'), fullPage: true });

    // An input the server refuses: its reason stays in the conversation, not only in a passing toast.
    await say(phone, 'x'.repeat(4001));
    await phone.locator('#messages .note.error').getByText(/text/).waitFor();

    await say(phone, '/signup');
    await lastMessage(phone).locator('select').selectOption({ label: 'Coach Noor — Europe/Berlin' });
    await phone.waitForSelector('dialog[open]');
    expect(await phone.inputValue('#f-name')).toBe('');
    expect(await layoutWidth(phone)).toBeLessThanOrEqual(PHONE.width);
    await phone.screenshot({ path: join(SHOTS, '6-phone-signup-form.png') });
    await phone.fill('#f-name', 'Pablo Phone');
    await phone.click('dialog button.primary');
    await phone.getByText('Welcome, Pablo Phone').waitFor();
    await phone.getByText('Chatting as Pablo Phone (Member)').waitFor();
    await phone.getByRole('button', { name: 'Book a session' }).click();
    await lastMessage(phone).locator('select').selectOption({ index: 1 });
    await phone.getByRole('button', { name: /^09:00 · 1 left/ }).waitFor();
    expect(await layoutWidth(phone)).toBeLessThanOrEqual(PHONE.width);
    await phone.screenshot({ path: join(SHOTS, '7-phone-slots.png'), fullPage: true });

    await phone.setViewportSize({ width: 1280, height: 800 });
    await phone.screenshot({ path: join(SHOTS, '8-desktop-slots.png'), fullPage: true });
    expect(failed).toEqual([expect.stringMatching(/^400 .*\/inputs$/)]);
    await phone.close();
  });
});
