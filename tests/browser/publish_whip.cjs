// Publishes Chromium's fake camera and microphone to a WHIP endpoint, as a
// browser page would (getUserMedia, one send-only transceiver per track, the
// whole offer POSTed once ICE gathering is done). It keeps sending until its
// standard input closes (or `seconds` pass), then ends the session (DELETE),
// prints what it sent as JSON and exits 0 when the session was connected
// and video frames went out, 1 otherwise.
//   node publish_whip.cjs ORIGIN PATH [seconds]
// ORIGIN: the gateway's http://host:port (the page runs there, so the POST is
// same-origin); PATH: the stream's WHIP path, such as /live/whip.
const { launchChromium } = require('./chromium.cjs');

(async () => {
  const [origin, path] = process.argv.slice(2, 4);
  const seconds = Number(process.argv[4] || 60);
  const browser = await launchChromium(['--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream']);
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(origin + '/api/v1/info');
  const result = await page.evaluate(async (path) => {
    const media = await navigator.mediaDevices.getUserMedia({
      video: { width: 640, height: 360, frameRate: 30 }, audio: true });
    const pc = new RTCPeerConnection();
    window.publisher = pc;
    for (const track of media.getTracks())
      pc.addTransceiver(track, { direction: 'sendonly', streams: [media] });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((done) => {
      if (pc.iceGatheringState === 'complete') return done();
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') done();
      });
      setTimeout(done, 3000);
    });
    const reply = await fetch(path, { method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: pc.localDescription.sdp });
    const out = { status: reply.status, location: reply.headers.get('Location') };
    if (reply.status !== 201)
      out.error = await reply.text();
    else
      await pc.setRemoteDescription({ type: 'answer', sdp: await reply.text() });
    return out;
  }, path);
  if (result.status === 201) {
    console.error('publishing');
    await new Promise((done) => {
      process.stdin.on('end', done).on('error', done).resume();
      setTimeout(done, seconds * 1000);
    });
    Object.assign(result, await page.evaluate(async (location) => {
      const pc = window.publisher;
      const out = { state: pc.connectionState };
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video') {
          out.frames_encoded = s.framesEncoded;
          out.codec = stats.get(s.codecId) && stats.get(s.codecId).mimeType;
        }
      });
      if (location)
        out.deleted = (await fetch(location, { method: 'DELETE' })).status;
      pc.close();
      return out;
    }, result.location));
  }
  console.log(JSON.stringify(result));
  await browser.close();
  process.exit(result.state === 'connected' && result.frames_encoded > 0 ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
