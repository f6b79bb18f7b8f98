// Drives a headless Debian Chromium for parrot's browser tests.
//
// Bundles page.js with esbuild, serves it as http://localhost/ (a secure
// context, so getUserMedia works; playwright answers the request itself,
// no server runs), then reads one JSON command a line on stdin,
//   {"id": 1, "fn": "call", "args": {...}}
// runs window.parrotTest[fn](args) in the page and writes one line on stdout,
//   {"id": 1, "ok": true, "value": ...}  or  {"id": 1, "ok": false, "error": "..."}.
// The browser's console and page errors go to stderr, prefixed "[browser]".
// tests/interop/browser_peer.py is the Python side.
import {build} from 'esbuild';
import {chromium} from 'playwright-core';
import {existsSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// Debian's /usr/bin/chromium is a shell wrapper; the binary itself takes
// playwright's flags as they are.
function chromiumPath() {
  if (process.env.PARROT_CHROMIUM) return process.env.PARROT_CHROMIUM;
  return ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find(existsSync) || 'chromium';
}

async function bundle() {
  const result = await build({
    entryPoints: [join(here, 'page.js')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'parrotTest',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'error',
    // StanzaJS's browser build still names a few Node globals.
    define: {global: 'globalThis'},
  });
  return result.outputFiles[0].text;
}

function log(text) {
  process.stderr.write(`[browser] ${text}\n`);
}

async function main() {
  const script = await bundle();
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--use-fake-device-for-media-stream',  // a beeping microphone, a test-pattern camera
      '--use-fake-ui-for-media-stream',      // grant getUserMedia without a prompt
      '--allow-loopback-in-peer-connection', // gather 127.0.0.1: the test's network is loopback
      // WebRtcHideLocalIpsWithMdns: real addresses, not .local names.
      // LocalNetworkAccessChecks: the page (served by playwright itself, so
      // of no known address space) may open Prosody's ws://127.0.0.1.
      '--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = await browser.newPage();
  page.on('console', message => log(`${message.type()}: ${message.text()}`));
  page.on('pageerror', error => log(`page error: ${error.message}`));
  await page.route('http://localhost/**', route => {
    if (new URL(route.request().url()).pathname === '/page.js') {
      return route.fulfill({contentType: 'text/javascript', body: script});
    }
    return route.fulfill({contentType: 'text/html',
                          body: '<!doctype html><title>parrot browser test</title><script src="/page.js"></script>'});
  });
  await page.goto('http://localhost/');
  await page.waitForFunction(() => typeof window.parrotTest === 'object');
  process.stdout.write(JSON.stringify({id: 0, ok: true, value: {version: browser.version()}}) + '\n');

  const lines = createInterface({input: process.stdin});
  for await (const line of lines) {
    if (!line.trim()) continue;
    const {id, fn, args} = JSON.parse(line);
    let reply;
    try {
      const value = await page.evaluate(([name, a]) => window.parrotTest[name](a), [fn, args || {}]);
      reply = {id, ok: true, value};
    } catch (error) {
      reply = {id, ok: false, error: String(error.message || error)};
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
  await browser.close();
}

main().catch(error => {
  process.stderr.write(`driver: ${error.stack || error}\n`);
  process.exit(1);
});
