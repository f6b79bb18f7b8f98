// The browser side of parrot's real-browser tests: StanzaJS 12 over
// Prosody's WebSocket, calling parrot with Chromium's own WebRTC
// (libwebrtc). driver.mjs bundles this file with esbuild and calls the
// functions on `window.parrotTest` one at a time; each returns plain JSON.
//
// Nothing here touches the SDP: the offer is Chromium's default (opus + red,
// VP8/VP9/H264/AV1 with rtx, red, ulpfec, transport-cc, header extensions),
// mapped to Jingle by StanzaJS itself.
import * as XMPP from 'stanza';

const NS_JMI = 'urn:xmpp:jingle-message:0';  // XEP-0353, the namespace parrot speaks
const NS_RTP = 'urn:xmpp:jingle:apps:rtp:1';
const NS_REPORT = 'urn:parrot:report:1';     // docs/reports.md

const state = {
  client: null,
  session: null,  // the StanzaJS MediaSession of the current call
  pc: null,       // its RTCPeerConnection (or a bare one, for the benchmark's Janus call)
  stream: null,   // what the browser sends
  messages: [],   // every chat message received, newest last
  jmi: [],        // JMI messages received: {type, id, from}
  presences: [],  // available presences: full JIDs
  noise: null,    // the canvas noise source, when used
};

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

// Polls `condition` until it returns something truthy; throws `what` after
// `timeoutMs`. Tests wait for conditions, never for a fixed time.
async function until(what, condition, timeoutMs = 15000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// XEP-0353 through StanzaJS's extension API (StanzaJS has no JMI of its own):
// message.jingleMessage = {type: 'propose'|'proceed'|..., id, media: [...]}.
function defineJingleMessage(client) {
  const {attribute, multipleChildAttribute, text} = XMPP.JXT;
  const definitions = ['propose', 'retract', 'accept', 'proceed', 'reject', 'ringing', 'finish'].map(type => ({
    element: type,
    namespace: NS_JMI,
    path: 'message.jingleMessage',
    type,
    typeField: 'type',
    fields: {
      id: attribute('id'),
      ...(type === 'propose' ? {media: multipleChildAttribute(NS_RTP, 'description', 'media')} : {}),
    },
  }));
  client.stanzas.define(definitions);
  client.stanzas.define({element: 'report', namespace: NS_REPORT, path: 'message.parrotReport',
                         fields: {json: text()}});
}

export async function login({url, jid, password}) {
  const client = XMPP.createClient({
    jid,
    password,
    resource: 'browser',
    transports: {websocket: url, bosh: false},
    // No STUN: the test's network has only loopback.
    jingle: {iceServers: []},
  });
  defineJingleMessage(client);
  // The signalling goes to the console, which the test prints when it fails.
  client.on('raw', (direction, data) => {
    if (/jingle|<error/.test(data)) console.log(`xmpp ${direction}: ${data.length > 700 ? data.slice(0, 700) + '…' : data}`);
  });
  client.on('subscribe', presence => client.acceptSubscription(presence.from));
  client.on('available', presence => state.presences.push(presence.from));
  client.on('unavailable', presence => { state.presences = state.presences.filter(jid => jid !== presence.from); });
  client.on('message', message => {
    if (message.jingleMessage) {
      state.jmi.push({type: message.jingleMessage.type, id: message.jingleMessage.id, from: message.from});
    }
    if (message.body !== undefined || message.parrotReport) {
      state.messages.push({from: message.from, body: message.body || '',
                           report: message.parrotReport ? message.parrotReport.json : null});
    }
  });
  state.client = client;
  const started = new Promise((resolve, reject) => {
    client.once('session:started', resolve);
    client.once('auth:failed', () => reject(new Error('authentication failed')));
    client.once('disconnected', () => reject(new Error('disconnected before the session started')));
  });
  client.connect();
  await Promise.race([started, sleep(15000).then(() => { throw new Error('no XMPP session within 15 s'); })]);
  await client.getRoster();
  client.sendPresence();
  return {jid: client.jid};
}

// Subscribes to `bare` (parrot accepts and asks back) and returns the full
// JID it is available at (once parrot's presence says it is ready for calls).
export async function befriend({bare}) {
  state.client.subscribe(bare);
  const full = await until(`presence from ${bare}`, () =>
    state.presences.find(jid => jid.startsWith(bare + '/')));
  return {full};
}

// A canvas of random noise, 640x480 at 20 frames/s: a source that can use
// the bandwidth (the fake camera's flat test pattern tops out near
// 485 kbit/s of VP8). A few noise frames are drawn once and cycled, so the
// page itself costs little CPU. Noise never compresses, so at a low
// estimate libwebrtc's quality scaler (qualityLimitationReason
// "bandwidth") would scale it to 320x240, whose bitrate ceiling sits below
// 1.5 Mbit/s: the ramp would then stop at that ceiling instead of following
// the peer's congestion feedback. The content hint "detail" keeps the
// resolution; the encoder drops frames instead, so the frame rate is low
// until the estimate grows.
function noiseTrack(width = 640, height = 480, fps = 20) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  const frames = [];
  for (let f = 0; f < 6; f++) {
    const image = context.createImageData(width, height);
    for (let at = 0; at < image.data.length; at += 65536) {  // getRandomValues' limit per call
      crypto.getRandomValues(image.data.subarray(at, at + 65536));
    }
    for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
    frames.push(image);
  }
  let n = 0;
  const timer = setInterval(() => context.putImageData(frames[n++ % frames.length], 0, 0), 1000 / fps);
  state.noise = timer;
  const track = canvas.captureStream(fps).getVideoTracks()[0];
  track.contentHint = 'detail';
  return track;
}

async function localStream({audio = true, video = false, noise = false}) {
  const stream = await navigator.mediaDevices.getUserMedia({audio, video: video && !noise ? {width: 640, height: 480} : false});
  if (video && noise) stream.addTrack(noiseTrack());
  state.stream = stream;
  return stream;
}

// Plays what comes back, so Chromium decodes it as a client would.
function attachRemote(pc) {
  pc.addEventListener('track', event => {
    const element = document.createElement(event.track.kind);
    element.autoplay = true;
    element.muted = true;
    element.srcObject = new MediaStream([event.track]);
    document.body.appendChild(element);
  });
}

// Calls parrot: session-initiate to `to` (a full JID), or with jmi a
// propose to `to`'s bare JID first and the session to whoever proceeds.
export async function call({to, video = false, noise = false, jmi = false}) {
  const stream = await localStream({audio: true, video, noise});
  const sid = 'browser-' + Math.random().toString(36).slice(2, 12);
  let peer = to;
  let proceededBy = null;
  if (jmi) {
    const bare = to.split('/')[0];
    state.client.sendMessage({to: bare, jingleMessage: {type: 'propose', id: sid,
                                                       media: video ? ['audio', 'video'] : ['audio']}});
    const proceed = await until('a JMI proceed', () =>
      state.jmi.find(m => m.type === 'proceed' && m.id === sid));
    peer = proceededBy = proceed.from;
  }
  const session = state.client.jingle.createMediaSession(peer, sid, stream);
  state.session = session;
  state.pc = session.pc;
  attachRemote(session.pc);
  const accepted = new Promise(resolve => state.client.once('jingle:accepted', resolve));
  await session.start();
  await Promise.race([accepted, sleep(15000).then(() => { throw new Error('no session-accept within 15 s'); })]);
  await until('ICE connected', () => ['connected', 'completed'].includes(session.pc.iceConnectionState));
  return {sid, peer, proceededBy, jmi: state.jmi.filter(m => m.id === sid).map(m => m.type),
          offerSdp: session.pc.localDescription.sdp, answerSdp: session.pc.remoteDescription.sdp};
}

// getStats() boiled down: per kind, the outbound and inbound RTP streams
// with their codec, and the selected candidate pair.
export async function stats() {
  const pc = state.pc;
  const report = await pc.getStats();
  const byId = new Map();
  report.forEach(entry => byId.set(entry.id, entry));
  const codecOf = entry => {
    const codec = entry.codecId && byId.get(entry.codecId);
    return codec ? {mimeType: codec.mimeType, payloadType: codec.payloadType, clockRate: codec.clockRate} : null;
  };
  const result = {timestamp: Date.now(), iceConnectionState: pc.iceConnectionState,
                  connectionState: pc.connectionState, outbound: {}, inbound: {}, pair: null};
  const pick = (entry, keys) => Object.fromEntries(keys.filter(k => entry[k] !== undefined).map(k => [k, entry[k]]));
  report.forEach(entry => {
    if (entry.type === 'outbound-rtp') {
      result.outbound[entry.kind] = {...pick(entry, ['ssrc', 'packetsSent', 'bytesSent', 'frameWidth', 'frameHeight',
                                                     'framesPerSecond', 'framesEncoded', 'framesSent', 'keyFramesEncoded',
                                                     'encoderImplementation', 'qualityLimitationReason',
                                                     'targetBitrate', 'retransmittedPacketsSent']),
                                     codec: codecOf(entry)};
    } else if (entry.type === 'inbound-rtp') {
      result.inbound[entry.kind] = {...pick(entry, ['ssrc', 'packetsReceived', 'packetsLost', 'bytesReceived',
                                                    'framesDecoded', 'frameWidth', 'frameHeight', 'framesPerSecond',
                                                    'keyFramesDecoded', 'jitter', 'concealedSamples',
                                                    'totalSamplesReceived', 'nackCount']),
                                    codec: codecOf(entry)};
    } else if (entry.type === 'transport' && entry.selectedCandidatePairId) {
      const pair = byId.get(entry.selectedCandidatePairId);
      if (pair) {
        const local = byId.get(pair.localCandidateId) || {};
        const remote = byId.get(pair.remoteCandidateId) || {};
        result.pair = {id: pair.id, state: pair.state, availableOutgoingBitrate: pair.availableOutgoingBitrate,
                       currentRoundTripTime: pair.currentRoundTripTime,
                       local: `${local.address}:${local.port}`, remote: `${remote.address}:${remote.port}`};
      }
    }
  });
  return result;
}

// An ICE restart by the caller (StanzaJS's own path: a transport-info with
// new credentials, parrot's answer in another transport-info). Returns once
// the remote credentials changed and ICE is connected again.
export async function restartIce() {
  const pc = state.pc;
  const ufrag = sdp => (sdp.match(/a=ice-ufrag:(\S+)/) || [])[1];
  const before = {local: ufrag(pc.localDescription.sdp), remote: ufrag(pc.remoteDescription.sdp)};
  await state.session.restartIce();
  await until('parrot\'s new ICE credentials', () =>
    pc.remoteDescription && ufrag(pc.remoteDescription.sdp) !== before.remote && pc.signalingState === 'stable');
  await until('ICE connected after the restart', () => ['connected', 'completed'].includes(pc.iceConnectionState));
  return {before, after: {local: ufrag(pc.localDescription.sdp), remote: ufrag(pc.remoteDescription.sdp)}};
}

// Waits until the browser has `packets` RTP packets back from parrot on
// every inbound stream of `kinds`.
export async function waitEcho({kinds, packets = 50, timeoutMs = 15000}) {
  return until(`${packets} echoed packets of ${kinds.join('+')}`, async () => {
    const s = await stats();
    return kinds.every(k => s.inbound[k] && s.inbound[k].packetsReceived >= packets) ? s : null;
  }, timeoutMs, 100);
}

// Samples the outbound video every `everyMs` for `seconds`: the send
// bitrate as the browser counts it (bytesSent deltas) and its bandwidth
// estimate.
export async function sampleVideoSend({seconds, everyMs = 250}) {
  const samples = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const s = await stats();
    const video = s.outbound.video || {};
    samples.push({t: s.timestamp, bytesSent: video.bytesSent || 0, frameWidth: video.frameWidth,
                  frameHeight: video.frameHeight, framesPerSecond: video.framesPerSecond,
                  availableOutgoingBitrate: s.pair ? s.pair.availableOutgoingBitrate : null,
                  qualityLimitationReason: video.qualityLimitationReason});
    await sleep(everyMs);
  }
  return samples;
}

// Hangs up (session-terminate, reason success) and waits for parrot's
// report: the chat message carrying <report xmlns='urn:parrot:report:1'>.
export async function hangup({timeoutMs = 15000} = {}) {
  const already = state.messages.length;
  state.session.end('success');
  stopLocal();
  const message = await until('parrot\'s report', () =>
    state.messages.slice(already).find(m => m.report), timeoutMs);
  return {body: message.body, report: JSON.parse(message.report)};
}

function stopLocal() {
  if (state.noise) clearInterval(state.noise);
  state.noise = null;
  if (state.stream) state.stream.getTracks().forEach(track => track.stop());
  state.stream = null;
}

// A bare RTCPeerConnection for peers signalled outside XMPP (the
// benchmark's Janus EchoTest): the browser's default offer with all
// candidates in it (no trickle), then the answer.
export async function rawOffer({video = true, noise = false}) {
  const stream = await localStream({audio: true, video, noise});
  const pc = new RTCPeerConnection({iceServers: []});
  state.pc = pc;
  attachRemote(pc);
  stream.getTracks().forEach(track => pc.addTrack(track, stream));
  await pc.setLocalDescription(await pc.createOffer());
  await until('ICE gathering complete', () => pc.iceGatheringState === 'complete');
  return {sdp: pc.localDescription.sdp};
}

export async function rawAnswer({sdp}) {
  await state.pc.setRemoteDescription({type: 'answer', sdp});
  await until('ICE connected', () => ['connected', 'completed'].includes(state.pc.iceConnectionState));
  return {};
}

export async function rawClose() {
  state.pc.close();
  stopLocal();
  return {};
}

// Stops sending media without ending the call: each sender loses its
// track, so the echo dries up and the inbound counts become final.
export async function stopSending() {
  await Promise.all(state.pc.getSenders().map(sender => sender.replaceTrack(null)));
  return {};
}

// After a failed case: ends whatever call is left so the next case starts clean.
export async function cleanup() {
  if (state.session && state.session.state !== 'ended') state.session.end('success');
  if (state.pc && state.pc.signalingState !== 'closed') state.pc.close();
  stopLocal();
  state.session = null;
  state.pc = null;
  return {};
}
