// LL-HLS glass-to-glass latency in headless Chromium + hls.js.
//
// The camera draws latencystamp's code into every frame; this page reads it
// back from each presented frame (requestVideoFrameCallback + canvas), and
// latency = wall clock at presentation − stamp (same machine, same clock).
// It also samples wall clock − PROGRAM-DATE-TIME of the frame on screen.
//   node hls_latency.cjs URL SECONDS     → one JSON line
const { openWithDecoder, latencyStats } = require('./glass_decoder.cjs');

(async () => {
  const [url, seconds] = [process.argv[2], Number(process.argv[3] || 20)];
  const { browser, page, opened } = await openWithDecoder(url);
  // Time to first frame: page opened → playback started.
  await page.waitForFunction(() => document.querySelector('video').currentTime > 0,
    null, { polling: 10, timeout: 30000 });
  const firstFrameMs = Date.now() - opened;
  await page.waitForFunction(() => document.querySelector('video').currentTime > 1,
    null, { timeout: 30000 });
  // Warm-up: hls.js catches up with the live edge.
  await new Promise((r) => setTimeout(r, 8000));
  await page.evaluate(() => window.camgateStartGlass());
  const pdt = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const v = await page.evaluate(() => {
      const d = window.camgatePlayingDate ();
      return d ? Date.now () - d : null;
    });
    if (v !== null) pdt.push(v);
    await new Promise((r) => setTimeout(r, 200));
  }
  const glass = await page.evaluate(() => {
    window.camgateGlass.running = false;
    return window.camgateGlass;
  });
  await browser.close();
  console.log(JSON.stringify({ first_frame_ms: firstFrameMs,
    glass_to_glass: latencyStats(glass.samples),
    unreadable_frames: glass.rejected, pdt_to_display: latencyStats(pdt) }));
})().catch((e) => { console.error(e); process.exit(2); });
