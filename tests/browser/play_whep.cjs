// Opens camgate's WHEP player page in headless Chromium (Debian's, driven by
// playwright-core) and waits for video frames to be presented: prints what it
// saw as JSON and exits 0 when frames advanced and the picture is whole, 1
// otherwise.
//   node play_whep.cjs URL [seconds] [smpte|audio]
// With "smpte" the camera draws videotestsrc's SMPTE bars, and each of the
// seven top bars must show its colour (a picture with a slice missing or
// smeared does not). With "audio" the page also plays 5 s of audio, of
// which at most 5 % may be concealed (samples the receiver made up). PLAYWRIGHT_CORE: path of the playwright-core package;
// SCREENSHOT: where to save the last picture (PNG), for a person to look at.
const { launchChromium, smpteBars, barsShown } = require('./chromium.cjs');

(async () => {
  const url = process.argv[2];
  const seconds = Number(process.argv[3] || 30);
  const smpte = process.argv[4] === 'smpte';
  const audio = process.argv[4] === 'audio';
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  const opened = Date.now();
  await page.goto(url);
  const deadline = Date.now() + seconds * 1000;
  let seen = null;
  let firstFrameMs = null;
  while (Date.now() < deadline) {
    seen = await page.evaluate(() => {
      const v = document.querySelector('video');
      return {
        frames: window.camgateFrames,
        state: window.camgateState,
        width: v.videoWidth,
        height: v.videoHeight,
        status: document.getElementById('status').textContent,
      };
    });
    if (firstFrameMs === null && seen.frames > 0) firstFrameMs = Date.now() - opened;
    if (seen.frames > 60) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  seen.first_frame_ms = firstFrameMs;
  // A picture decoded from incomplete frames (a slice missing) shows
  // macroblocks with zero chroma: bright green. The test camera draws none.
  seen.green_fraction = await page.evaluate(() => {
    const v = document.querySelector('video');
    if (!v.videoWidth) return 1;
    const c = document.createElement('canvas');
    c.width = v.videoWidth; c.height = v.videoHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(v, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let green = 0;
    for (let i = 0; i < d.length; i += 4)
      if (d[i + 1] > d[i] + 60 && d[i + 1] > d[i + 2] + 60) green++;
    return green / (d.length / 4);
  });
  if (smpte)
    seen.bars = await smpteBars(page);
  if (process.env.SCREENSHOT)
    await page.locator('video').screenshot({ path: process.env.SCREENSHOT });
  let heard = true;
  if (audio) {
    // Counted from a start 2 s in, so the jitter buffer's first fill does
    // not count as concealment.
    await new Promise((r) => setTimeout(r, 2000));
    const start = (await page.evaluate(() => window.camgateStats())).audio || {};
    await new Promise((r) => setTimeout(r, 5000));
    const end = (await page.evaluate(() => window.camgateStats())).audio || {};
    const samples = (end.samples || 0) - (start.samples || 0);
    const concealed = (end.concealed || 0) - (start.concealed || 0);
    seen.audio = { samples, concealed,
      concealed_fraction: samples ? concealed / samples : 1 };
    heard = samples > 48000 * 4 && seen.audio.concealed_fraction <= 0.05;
  }
  seen.inbound = await page.evaluate(() => window.camgateStats());
  console.log(JSON.stringify(seen));
  await browser.close();
  const picture = smpte ? barsShown(seen.bars)
    : seen.green_fraction < 0.02;
  process.exit(seen.frames > 60 && picture && heard ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
