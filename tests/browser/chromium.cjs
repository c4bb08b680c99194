// Debian's headless Chromium, driven by playwright-core (PLAYWRIGHT_CORE: the
// package's path; CHROMIUM: the browser), set up the same way for every test
// and benchmark: no sandbox or GPU (containers), no background traffic,
// autoplay allowed, and WebRTC on loopback (the gateway's candidates are
// 127.0.0.1, which Chromium would otherwise hide behind mDNS names).
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

// `extraArgs`: more switches (a publisher's fake camera, say).
exports.launchChromium = (extraArgs = []) => chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns', ...extraArgs],
});

// videotestsrc's SMPTE top bars as the page's <video> shows them: white,
// yellow, cyan, green, magenta, red, blue (which channels are lit), sampled
// in the middle of each bar a third of the way down. A picture with a slice
// missing or smeared, or none at all, fails at least one.
exports.smpteBars = (page) => page.evaluate(() => {
  const expected = [[1, 1, 1], [1, 1, 0], [0, 1, 1], [0, 1, 0], [1, 0, 1],
    [1, 0, 0], [0, 0, 1]];
  const v = document.querySelector('video');
  if (!v.videoWidth) return [];
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(v, 0, 0);
  return expected.map((rgb, i) => {
    const x = Math.floor((i + 0.5) * c.width / 7);
    const [r, g, b] = ctx.getImageData(x, Math.floor(c.height / 3), 1, 1).data;
    const lit = (value, on) => (on ? value > 150 : value < 70);
    return { at: x, got: [r, g, b],
      ok: lit(r, rgb[0]) && lit(g, rgb[1]) && lit(b, rgb[2]) };
  });
});

exports.barsShown = (bars) => bars.length === 7 && bars.every((b) => b.ok);
