// Opens a camgate player page in headless Chromium (Debian's, driven by
// playwright-core) and waits for the video to play: prints what it saw as
// JSON and exits 0 when playback advanced, 1 when it did not.
//   node play_hls.cjs URL [seconds]
// PLAYWRIGHT_CORE: path of the playwright-core package.
const { launchChromium } = require('./chromium.cjs');

(async () => {
  const url = process.argv[2];
  const seconds = Number(process.argv[3] || 30);
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(url);
  const deadline = Date.now() + seconds * 1000;
  let seen = null;
  let firstTime = null;
  while (Date.now() < deadline) {
    seen = await page.evaluate(() => {
      const v = document.querySelector('video');
      const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
      return {
        currentTime: v.currentTime,
        frames: q.totalVideoFrames || 0,
        width: v.videoWidth,
        height: v.videoHeight,
        status: document.getElementById('status').textContent,
        latency: window.camgateLatency ? window.camgateLatency() : null,
      };
    });
    if (firstTime === null && seen.currentTime > 0) firstTime = seen.currentTime;
    // Playing for real: time advanced by 3 s and frames were decoded.
    if (firstTime !== null && seen.currentTime - firstTime > 3 && seen.frames > 30) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  const ok = firstTime !== null && seen.currentTime - firstTime > 3 && seen.frames > 30;
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
