#!/usr/bin/env node
// `npm start`: the desktop app where Electron can run (its binary is installed and there is a
// display); otherwise the agent, which serves the same workbench to a browser on loopback.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

function electronBinary() {
  try {
    // The electron package exports the path of its binary, and throws when none was downloaded.
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const display = process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
const [command, args] =
  binary && display
    ? [binary, ['.']]
    : [process.execPath, ['bin/sockscope.js', 'agent', ...process.argv.slice(2)]];
if (!binary || !display) {
  console.log(`Sockscope: ${binary ? 'no display' : 'no Electron binary'} here, so starting the agent; open the URL it prints in a browser.`);
}
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
