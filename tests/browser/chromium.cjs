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
