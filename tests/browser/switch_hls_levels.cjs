// Plays a camgate stream with renditions on its player page (hls.js) in
// headless Chromium and moves between the multivariant playlist's levels as
// a viewer's ABR would, at the next segment (hls.nextLevel): to the
// camera's own, down to the lowest rendition, then back up. Prints what the
// viewer got as JSON: the levels hls.js saw, the picture heights shown in
// order, stalls once playing, hls.js errors (retried network requests are
// counted apart) and the media element's error.
// Exits 0 when it showed the lowest level's height and then the top one's
// again, with no error and the clock never still for half a second; 1
// otherwise.
//   node switch_hls_levels.cjs PAGE_URL [seconds]
// PLAYWRIGHT_CORE: path of the playwright-core package.
const { launchChromium } = require('./chromium.cjs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const url = process.argv[2];
  const seconds = Number(process.argv[3] || 60);
  const deadline = Date.now() + seconds * 1000;
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (process.env.VERBOSE || m.type() === 'error') console.error('page:', m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => window.camgateHls, null, { timeout: 10000 });
  await page.evaluate(() => {
    const v = document.querySelector('video');
    // (It may already be playing: autoplay starts as soon as it can.)
    const w = { heights: [], stalls: 0, playing: !v.paused && v.currentTime > 0,
      errors: [], frozen: 0, lastTime: v.currentTime, lastMove: performance.now() };
    window.viewer = w;
    v.addEventListener('playing', () => { w.playing = true; });
    v.addEventListener('waiting', () => { if (w.playing) w.stalls++; });
    // A playlist request that timed out and was retried (a loaded machine)
    // is not what this looks for; media and fatal errors are.
    window.camgateHls.on('hlsError', (e, data) => {
      if (data.fatal || data.type !== 'networkError')
        w.errors.push((data.fatal ? 'fatal ' : '') + data.details
          + (data.error ? ': ' + String(data.error.message || data.error) : ''));
      else
        w.retried = (w.retried || 0) + 1;
    });
    // The picture's height whenever it changes, and the longest time the
    // clock stood still once playing.
    setInterval(() => {
      const h = v.videoHeight;
      if (h && w.heights[w.heights.length - 1] !== h) w.heights.push(h);
      const now = performance.now();
      if (v.currentTime !== w.lastTime) {
        w.lastTime = v.currentTime;
        w.lastMove = now;
      } else if (w.playing) {
        w.frozen = Math.max(w.frozen, (now - w.lastMove) / 1000);
      }
    }, 100);
  });
  const state = () => page.evaluate(() => {
    const v = document.querySelector('video');
    const hls = window.camgateHls;
    return { levels: hls.levels.map((l) => l.height), level: hls.currentLevel,
      height: v.videoHeight, time: v.currentTime, mediaError: v.error && v.error.code,
      ...window.viewer };
  });
  // Waits for the picture to be `height` tall and to have played on for 2 s.
  const reach = async (height) => {
    let since = null;
    while (Date.now() < deadline) {
      const s = await state();
      if (s.height === height) {
        if (since === null) since = s.time;
        if (s.time - since > 2) return true;
      }
      await sleep(250);
    }
    return false;
  };

  let seen = await state();
  while (Date.now() < deadline && !(seen.playing && seen.time > 2 && seen.levels.length > 1)) {
    await sleep(250);
    seen = await state();
  }
  const levels = seen.levels;
  const top = Math.max(...levels);
  const bottom = Math.min(...levels);
  const moveTo = (height) => page.evaluate((h) => {
    const hls = window.camgateHls;
    hls.nextLevel = hls.levels.findIndex((l) => l.height === h);
  }, height);
  // (hls.js's own estimate on a loaded machine may keep it low: the top
  // level is asked for, too.)
  await moveTo(top);
  const ok1 = levels.length > 1 && await reach(top);
  await moveTo(bottom);
  const ok2 = ok1 && await reach(bottom);
  await moveTo(top);
  const ok3 = ok2 && await reach(top);
  seen = await state();
  console.log(JSON.stringify(seen));
  await browser.close();
  // A stall is what a viewer sees: the picture's clock standing still (a
  // 'waiting' event the clock did not notice is reported, not held against).
  const clean = seen.errors.length === 0 && !seen.mediaError && seen.frozen < 0.5;
  process.exit(ok3 && clean ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
