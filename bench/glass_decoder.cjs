// The page side of the glass-to-glass benchmarks: reads latencystamp's code
// from every presented frame of the page's <video> (requestVideoFrameCallback
// + canvas) and keeps now − stamp. Installed with page.addInitScript().
// Decodes the code as docs/elements.md describes it.
function installDecoder() {
  const canvas = document.createElement('canvas');
  const crc16 = (bytes) => {
    let c = 0xffff;
    for (const b of bytes) {
      c ^= b << 8;
      for (let k = 0; k < 8; k++) c = (c & 0x8000) ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    }
    return c;
  };
  window.camgateReadStamp = (video) => {
    const W = video.videoWidth, H = video.videoHeight;
    if (!W || !H) return null;
    const band = Math.max(4, Math.floor(H / 8)) & ~1;
    if (canvas.width !== W) { canvas.width = W; canvas.height = H; }
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, W, H);
    const img = ctx.getImageData(0, 0, W, band).data;
    const rowH = band / 2;
    const mean = (i) => {
      const row = Math.floor(i / 25), col = i % 25;
      const cx0 = Math.floor(col * W / 25), cx1 = Math.floor((col + 1) * W / 25);
      const cy0 = row * rowH, cy1 = (row + 1) * rowH;
      const w = cx1 - cx0, h = cy1 - cy0;
      const x0 = cx0 + Math.floor(w / 4), x1 = Math.max(x0 + 1, cx1 - Math.floor(w / 4));
      const y0 = cy0 + Math.floor(h / 4), y1 = Math.max(y0 + 1, cy1 - Math.floor(h / 4));
      let s = 0, n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const o = (y * W + x) * 4;
        s += 0.299 * img[o] + 0.587 * img[o + 1] + 0.114 * img[o + 2]; n++;
      }
      return s / n;
    };
    const white = mean(0), black = mean(1);
    if (white - black < 64) return null;
    const t = (white + black) / 2, m = (white - black) / 4;
    let stamp = 0, crc = 0;
    for (let i = 0; i < 48; i++) {
      const v = mean(2 + i);
      if (v > t - m && v < t + m) return null;
      const bit = v > t ? 1 : 0;
      if (i < 32) stamp = stamp * 2 + bit; else crc = (crc << 1) | bit;
    }
    const bytes = [Math.floor(stamp / 16777216) & 255, (stamp >>> 16) & 255, (stamp >>> 8) & 255, stamp & 255];
    return crc16(bytes) === crc ? stamp : null;
  };
  window.camgateGlass = { samples: [], rejected: 0, running: false };
  window.camgateStartGlass = () => {
    const video = document.querySelector('video');
    window.camgateGlass.running = true;
    const onFrame = () => {
      if (!window.camgateGlass.running) return;
      const stamp = window.camgateReadStamp(video);
      if (stamp === null) window.camgateGlass.rejected++;
      else {
        let d = (Date.now() % 4294967296) - stamp;
        if (d > 2147483647) d -= 4294967296;
        if (d < -2147483648) d += 4294967296;
        window.camgateGlass.samples.push(d);
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
}

// Headless Chromium on `url` with the decoder installed; `opened` is when
// the page was asked for (the start of time to first frame).
async function openWithDecoder(url) {
  const { launchChromium } = require('../tests/browser/chromium.cjs');
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.addInitScript(installDecoder);
  const opened = Date.now();
  await page.goto(url);
  return { browser, page, opened };
}

// Count, median and 95th percentile of latency samples (ms).
function latencyStats(samples) {
  const s = [...samples].sort((x, y) => x - y);
  const at = (p) => s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] : null;
  return { n: s.length, median_ms: at(0.5), p95_ms: at(0.95) };
}

module.exports = { installDecoder, openWithDecoder, latencyStats };
