// WebRTC (WHEP) glass-to-glass latency and time to first frame in headless
// Chromium, with camgate's own WHEP player page.
//
// The camera draws latencystamp's code into every frame; the page reads it
// back from each presented frame, latency = wall clock at presentation −
// stamp (same machine, same clock). Time to first frame = page opened →
// first frame presented (WHEP POST, ICE, DTLS and the first decode included).
//   node webrtc_latency.cjs URL SECONDS     → one JSON line
const { openWithDecoder, latencyStats } = require('./glass_decoder.cjs');

(async () => {
  const [url, seconds] = [process.argv[2], Number(process.argv[3] || 20)];
  const { browser, page, opened } = await openWithDecoder(url);
  await page.waitForFunction(() => window.camgateFrames > 0, null,
    { polling: 10, timeout: 30000 });
  const firstFrameMs = Date.now() - opened;
  // Warm-up: the jitter buffer settles.
  await new Promise((r) => setTimeout(r, 3000));
  await page.evaluate(() => window.camgateStartGlass());
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const glass = await page.evaluate(() => {
    window.camgateGlass.running = false;
    return window.camgateGlass;
  });
  await browser.close();
  console.log(JSON.stringify({ first_frame_ms: firstFrameMs,
    glass_to_glass: latencyStats(glass.samples),
    unreadable_frames: glass.rejected }));
})().catch((e) => { console.error(e); process.exit(2); });
