// The panel's recordings timeline marks a camera's events, in headless
// Chromium on a gateway without users. Prints what it saw as JSON; exits 0
// when the stream's timeline shows EXPECTED event marks over its spans.
//   node panel_events.cjs URL STREAM EXPECTED SCREENSHOT
const { launchChromium } = require('./chromium.cjs');

const [url, stream, expected, screenshot] = process.argv.slice(2);
const seen = {};

(async () => {
  const browser = await launchChromium();
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
    await page.goto(url);
    await page.click('nav [data-view=recordings]');
    const box = '.recording:has(strong:text-is("' + stream + '"))';
    await page.waitForSelector(box + ' .timeline .span', { timeout: 15000 });
    seen.spans = await page.$$eval(box + ' .timeline .span', (s) => s.length);
    seen.marks = await page.$$eval(box + ' .timeline .event', (m) => m.map((e) => e.title));
    // Each mark lies over the recording (the span covers pre- and post-roll).
    seen.inside = await page.$$eval(box + ' .timeline', ([line]) => {
      const spans = [...line.querySelectorAll('.span')].map((s) => s.getBoundingClientRect());
      return [...line.querySelectorAll('.event')].every((m) => {
        const r = m.getBoundingClientRect();
        return spans.some((s) => r.left >= s.left - 1 && r.right <= s.right + 1);
      });
    });
    await page.screenshot({ path: screenshot });
    ok = seen.marks.length === Number(expected) && seen.inside;
  } catch (e) {
    seen.error = String(e && e.stack || e);
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(ok ? 0 : 1);
})();
