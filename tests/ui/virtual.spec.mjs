// A large gallery keeps only the cards near the screen in the page, and
// still selects, searches and tabs through cards as when all were there.
// Its own stacks, seeded straight into D1, so that 1,000 and 3,000 images
// cost seconds.
import { test, expect } from '@playwright/test';
import { atMost10s, seedGallery } from '../../scripts/bench/gallery.mjs';
import { startStack } from '../support/stack.mjs';
import { card, openApp } from './helpers.mjs';

const COUNT = 1_000;
const name = (n) => `virtual-${String(n).padStart(5, '0')}.png`;
const NEWEST = name(COUNT);
let stack;

test.beforeAll(async () => {
  test.setTimeout(60_000);
  stack = await startStack({ seed: (dir) => seedGallery(dir, COUNT, { prefix: 'virtual', objects: false }) });
});

test.afterAll(async () => {
  await stack?.stop();
});

const open = (page) => openApp(page, { url: stack.url, token: stack.token });

const NO_FRAME = 'Chromium drew no frame for 5 s';

/**
 * Scrolls two screens at a time until the card named `target` is in the page
 * (loading pages on the way); the most cards and DOM nodes seen meanwhile.
 * Fails at once if the browser stops drawing frames (see below).
 */
function scrollTo(page, target) {
  return page.evaluate(async ({ target, NO_FRAME }) => {
    const frame = () =>
      new Promise((done, failed) => {
        const late = setTimeout(() => failed(new Error(NO_FRAME)), 5_000);
        requestAnimationFrame(() => (clearTimeout(late), done()));
      });
    const shown = () => [...document.querySelectorAll('[data-testid="card-name"]')].some((name) => name.textContent === target);
    const most = { cards: 0, nodes: 0 };
    for (let step = 0; !shown(); step++) {
      if (step > 2_000) throw new Error(`${target} never shown`);
      window.scrollBy(0, 2 * window.innerHeight);
      await frame();
      await frame();
      most.cards = Math.max(most.cards, document.querySelectorAll('[data-testid="image-card"]').length);
      most.nodes = Math.max(most.nodes, document.getElementsByTagName('*').length);
    }
    return most;
  }, { target, NO_FRAME });
}

/** The name of the card holding the focus. */
const focusedCard = (page) =>
  page.evaluate(() => document.activeElement?.closest('[data-testid="image-card"]')?.querySelector('[data-testid="card-name"]')?.textContent);

// Three times the page's window and more: enough for a window that grew
// with the list to show. `make bench-gallery` scrolls 10,000 and times it.
test.describe('3,000 images', () => {
  const LARGE = 3_000;
  let large;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    large = await startStack({ seed: (dir) => seedGallery(dir, LARGE, { prefix: 'virtual', objects: false }) });
  });
  test.afterAll(async () => {
    await large?.stop();
  });

  /**
   * Runs `check` on a new page, and once more on another if the browser
   * stopped drawing frames: headless Chromium here sometimes does for good
   * in a long scroll-through (about one in three at 10,000 images: no
   * animation frame, no intersection observer, no input, its main thread
   * idle; see docs/benchmarks.md). Any other failure fails at once.
   */
  async function onAFreshPage(browser, check) {
    for (let attempt = 1; ; attempt++) {
      const context = await browser.newContext({ locale: 'en-US' });
      try {
        return await check(await context.newPage());
      } catch (error) {
        if (attempt > 1 || !String(error).includes(NO_FRAME)) throw error;
        console.warn('Chromium stopped drawing frames: the test runs again on a new page');
      } finally {
        await atMost10s(context.close());
      }
    }
  }

  test('scrolled to the end, the page holds the same window of cards as at the top, each where it belongs', async ({ browser }) => {
    test.setTimeout(180_000);
    await onAFreshPage(browser, (page) => scrolledToTheEnd(page));
  });

  async function scrolledToTheEnd(page) {
    await openApp(page, { url: large.url, token: large.token });
    await expect(page.getByTestId("image-count")).toHaveText(`${LARGE} images`);
    await expect(card(page, name(LARGE))).toBeInViewport();
    const most = await scrollTo(page, name(1));
    expect(most.cards).toBeLessThanOrEqual(200);
    expect(most.nodes).toBeLessThanOrEqual(5_000);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await expect(card(page, name(1))).toBeInViewport();
    await expect(page.getByTestId('load-more')).toHaveCount(0);
    const atEnd = await page.getByTestId('image-card').count();

    // Every rendered card sits in the row its place in the listing gives it,
    // and the grid ends with the last one.
    const layout = await page.evaluate((count) => {
      const grid = document.querySelector('[data-testid="grid"]');
      const columns = getComputedStyle(grid).gridTemplateColumns.split(' ').length;
      const cards = [...grid.querySelectorAll('[data-testid="image-card"]')];
      const top = grid.getBoundingClientRect().top;
      const rowTop = (card) => card.getBoundingClientRect().top - top;
      const index = (card) => count - Number(card.querySelector('[data-testid="card-name"]').textContent.match(/(\d+)\.png$/)[1]);
      const pitch = rowTop(cards[columns]) - rowTop(cards[0]);
      return {
        columns,
        pitch,
        offsets: cards.map((card) => rowTop(card) - Math.floor(index(card) / columns) * pitch),
        tail: grid.getBoundingClientRect().bottom - cards.at(-1).getBoundingClientRect().bottom,
      };
    }, LARGE);
    expect(layout.pitch).toBeGreaterThan(100);
    // Rows are whole pixels high: the window moves cards by whole rows, and
    // a fractional row would make the browser paint them again each time.
    expect(layout.pitch % 1).toBe(0);
    for (const offset of layout.offsets) expect(Math.abs(offset)).toBeLessThan(1);
    expect(Math.abs(layout.tail)).toBeLessThan(1);

    // The window is as large at the end as at the top: nothing loaded on
    // the way stays in the page. (The top is counted now, not on arrival,
    // when the window may still wait for its second page.)
    await page.evaluate(() => window.scrollTo(0, 0));
    await expect(card(page, name(LARGE))).toBeInViewport();
    expect(await page.getByTestId('image-card').count()).toBe(atEnd);
  }
});

test('a selected card stays selected after scrolling away and back', async ({ page }) => {
  await open(page);
  await card(page, NEWEST).getByTestId('select').check();
  await expect(page.getByTestId('selected-count')).toHaveText('1 selected');
  await scrollTo(page, name(COUNT - 300));
  await expect(card(page, NEWEST)).toHaveCount(0);
  await expect(page.getByTestId('selected-count')).toHaveText('1 selected');

  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(card(page, NEWEST)).toHaveClass(/\bselected\b/);
  await expect(card(page, NEWEST).getByTestId('select')).toBeChecked();
  await expect(card(page, name(COUNT - 1)).getByTestId('select')).not.toBeChecked();
});

test('search narrows a large gallery and starts at its top', async ({ page }) => {
  await open(page);
  await scrollTo(page, name(COUNT - 200));
  await page.getByTestId('search').fill('virtual-00333');
  await expect(page.getByTestId('image-count')).toHaveText('1 image');
  await expect(page.getByTestId('card-name')).toHaveText([name(333)]);

  // virtual-00100 … virtual-00199
  await page.getByTestId('search').fill('VIRTUAL 001');
  await expect(page.getByTestId('image-count')).toHaveText('100 images');
  await expect(page.getByTestId('card-name').first()).toHaveText(name(199));
  await expect(card(page, name(199))).toBeInViewport();

  await page.getByTestId('search').fill('');
  await expect(page.getByTestId('image-count')).toHaveText(`${COUNT} images`);
  await expect(card(page, NEWEST)).toBeInViewport();
});

test('Tab goes from card to card across the edge of the window, both ways', async ({ page }) => {
  await open(page);
  // More images loaded than the window holds, then back to the top.
  await scrollTo(page, name(COUNT - 200));
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(card(page, NEWEST)).toBeInViewport();

  // The last card rendered, and the one after it not rendered yet.
  const last = await page.getByTestId('card-name').last().textContent();
  const n = Number(last.match(/(\d+)\.png$/)[1]);
  await expect(card(page, name(n - 1))).toHaveCount(0);

  await card(page, last).getByTestId('select').focus();
  for (let press = 0; press < 10 && (await focusedCard(page)) === last; press++) await page.keyboard.press('Tab');
  expect(await focusedCard(page)).toBe(name(n - 1));
  await expect(card(page, name(n - 1)).getByTestId('select')).toBeFocused();
  await expect(card(page, name(n - 1))).toBeInViewport();

  // Backwards from the first card rendered, further down.
  await scrollTo(page, name(COUNT - 150));
  const first = await page.getByTestId('card-name').first().textContent();
  const m = Number(first.match(/(\d+)\.png$/)[1]);
  await expect(card(page, name(m + 1))).toHaveCount(0);
  await card(page, first).getByTestId('select').focus();
  await page.keyboard.press('Shift+Tab');
  expect(await focusedCard(page)).toBe(name(m + 1));
  await expect(card(page, name(m + 1))).toBeInViewport();
});
