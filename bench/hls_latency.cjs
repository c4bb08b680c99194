// LL-HLS latency in headless Chromium + hls.js: plays a camgate player page
// and samples, every 200 ms, wall clock now − the PROGRAM-DATE-TIME of the
// frame on screen (i.e. from the frame's arrival at the gateway to display).
//   node hls_latency.cjs URL SECONDS     → one JSON line
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

(async () => {
  const [url, seconds] = [process.argv[2], Number(process.argv[3] || 20)];
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await browser.newPage();
  await page.goto(url);
  // Warm up: playing, and hls.js has caught up with the live edge.
  await page.waitForFunction(() => document.querySelector('video').currentTime > 1,
    null, { timeout: 30000 });
  await new Promise((r) => setTimeout(r, 8000));
  const samples = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const v = await page.evaluate(() => {
      const d = window.camgatePlayingDate ();
      return d ? Date.now () - d : null;
    });
    if (v !== null) samples.push(v);
    await new Promise((r) => setTimeout(r, 200));
  }
  const hlsjs = await page.evaluate(() => window.camgateLatency ());
  await browser.close();
  samples.sort((a, b) => a - b);
  const at = (p) => samples[Math.min(samples.length - 1, Math.floor(p * (samples.length - 1)))];
  console.log(JSON.stringify({ samples: samples.length, median_ms: at(0.5),
    p95_ms: at(0.95), hlsjs_latency_s: hlsjs }));
})().catch((e) => { console.error(e); process.exit(2); });
