// The RP2040 emulator (npm rp2040js, a cycle-counting Cortex-M0+ with the RP2040's
// peripherals) running a flash image, its UART0 bridged to this process's stdin/stdout:
//
//   node tools/targets/rp2040js_run.mjs --bootrom build/targets/rp2040-bootrom-b1.ts \
//       --image build/targets/rp2-pico.bin [--adc4 RAW12] [--control FD]
//
// By hand, on a terminal: the MicroPython REPL, Ctrl-] quits. From a program: stdin bytes
// go to UART0 RX at the line rate the firmware set (one byte per 10 bit times
// of emulated time, as a real 8N1 line delivers them), UART0 TX bytes go to stdout. Reports
// are JSON lines on stderr, prefixed "rp2040js ": on the command "cycles" read from the
// control fd (a pipe the caller passes), when the watchdog fires, and at the end (stdin
// closed, SIGTERM): {"cycles": executed clock cycles (mcu.core.cycles), "nanos": emulated
// time, ...}. Other stderr lines are the emulator's own warnings.
//
// For cycle-exact brackets inside the firmware, a counter that exists only here (no such
// peripheral on the chip): machine.mem32[0x40068000] reads mcu.core.cycles modulo 2**30 (a
// small int in MicroPython: reading it allocates nothing), 0x40068004 the cycles >> 30 at
// the last read of 0x40068000.
//
// What is changed from rp2040js 1.4.1 as it is:
// - The core starts at boot2 (the start of flash), as rp2040js's demo does: the bootrom's
//   reset path reads chip-reset and pad state that rp2040js does not model.
// - UART0's interrupt line carries RX only: rp2040js keeps the TX interrupt pending for
//   ever (it has no TX FIFO), and MicroPython's UART REPL unmasks every UART interrupt, so
//   its handler would run again after every instruction.
// - Idle time is skipped: while the core sleeps (WFE/WFI) the clock jumps to the next timer
//   alarm; with none due, the emulator waits for input instead of spinning.
// - The BOOTSEL button reads released (QSPI SS high, as the board's pull-up holds it), and
//   a GPIO input with a pull resistor reads as pulled (nothing is wired to the pins).
// - The SIO divider's 8 cycles count once, in the instructions that wait for it (rp2040js
//   also adds them to the core's count: 4% more on the codec's round trip).
// - A watchdog trigger (a timeout, or machine.reset()) is reported and the watchdog stopped;
//   the chip is not reset (rp2040js cannot reset its peripherals): the firmware runs on as
//   on a board without a watchdog, and the caller sees the trigger in the reports.
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// rp2040js as `make setup` installs it (tools/npm), or RP2040JS=its package directory
const here = dirname(fileURLToPath(import.meta.url));
const pkg = process.env.RP2040JS || join(here, '../npm/node_modules/rp2040js');
const rp2040js = await import(pathToFileURL(join(pkg, 'dist/esm/index.js')));
const { BasePeripheral, GPIOPinState, RP2040, USBCDC } = rp2040js;

process.env.TZ = 'UTC'; // rp2040js's RTC counts in the host's local time

const CYCLE_COUNTER = 0x40068; // peripheral slot of 0x40068000, unused on the RP2040
const SLICE_MS = 20; // host time between looks at stdin, the control fd and stdout
const UART_RX_IRQ = (1 << 4) | (1 << 6); // RXINTR, RTINTR

function usage(msg) {
  process.stderr.write(`rp2040js_run: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { adc4: null, control: null, usb: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--usb') {
      args.usb = true; // (a flag: no value)
      i--;
      continue;
    }
    if (v === undefined) usage(`${k} needs a value`);
    if (k === '--bootrom') args.bootrom = v;
    else if (k === '--image') args.image = v;
    else if (k === '--adc4') args.adc4 = Number(v);
    else if (k === '--control') args.control = Number(v);
    else usage(`unknown option ${k}`);
  }
  if (!args.bootrom || !args.image) usage('--bootrom FILE and --image FILE are required');
  return args;
}

// demo/bootrom.ts of rp2040js: `export const bootromB1 = new Uint32Array([0x..., ...]);`
function loadBootrom(path) {
  const text = readFileSync(path, 'utf8');
  const body = text.slice(text.indexOf('Uint32Array(['));
  const words = body.match(/0x[0-9a-fA-F]{1,8}/g) || [];
  if (words.length !== 4096) usage(`${path}: ${words.length} words, not the 16 KB bootrom`);
  return new Uint32Array(words.map((w) => parseInt(w, 16)));
}

// The emulator's warnings to stderr (console.info/debug would go to stdout, the UART's),
// each message at most a few times: an unmodelled register polled in a loop is not news.
class StderrLogger {
  constructor() {
    this.seen = new Map();
  }
  say(level, name, msg) {
    const key = `${name}: ${msg}`;
    const n = (this.seen.get(key) || 0) + 1;
    this.seen.set(key, n);
    if (n <= 3) process.stderr.write(`rp2040js ${level} [${key}]${n === 3 ? ' (muted)' : ''}\n`);
  }
  debug() {}
  info() {}
  warn(name, msg) {
    this.say('warn', name, msg);
  }
  error(name, msg) {
    this.say('error', name, msg);
    throw new Error(`[${name}] ${msg}`);
  }
}

// Read +0 first: it latches the high part for +4, as the RP2040's TIMELR latches TIMEHR.
class CycleCounter extends BasePeripheral {
  readUint32(offset) {
    const c = this.rp2040.core.cycles;
    if (offset === 0) {
      this.high = Math.floor(c / 0x40000000) >>> 0;
      return c % 0x40000000;
    }
    if (offset === 4) return this.high || 0;
    return super.readUint32(offset);
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const mcu = new RP2040();
  mcu.logger = new StderrLogger();
  mcu.loadBootrom(loadBootrom(args.bootrom));
  mcu.flash.set(readFileSync(args.image), 0);
  // Straight into boot2 at the start of flash, as rp2040js's demo starts: the bootrom's own
  // path there reads chip-reset and pad state rp2040js does not model (it then parks in
  // its USB boot or its dead loop). Its functions (flash, memcpy, float) serve as usual.
  mcu.core.PC = 0x10000000;
  mcu.peripherals[CYCLE_COUNTER] = new CycleCounter(mcu, 'CYCLES');
  // BOOTSEL released: QSPI SS high, its input enabled as at the chip's reset (rp2040js
  // starts every pad with IE clear, and the skipped bootrom path would not set it either)
  mcu.qspi[1].padValue |= 0x40;
  mcu.qspi[1].setInputValue(true);
  // Nothing is wired to the GPIOs: an input reads what its pull resistor holds it at (in
  // rp2040js every input reads 0 unless driven).
  for (const pin of mcu.gpio) {
    pin.listeners.add((state) => {
      if (state === GPIOPinState.InputPullUp) pin.setInputValue(true);
      else if (state === GPIOPinState.InputPullDown) pin.setInputValue(false);
    });
  }
  if (args.adc4 !== null) mcu.adc.channelValues[4] = args.adc4;
  const stats = { watchdog: 0, rx: 0, tx: 0 };
  const report = (what) => {
    const r = { ...what, cycles: mcu.core.cycles, nanos: Math.round(mcu.clock.nanos) };
    Object.assign(r, { clk_sys: mcu.clkSys }, stats);
    process.stderr.write(`rp2040js ${JSON.stringify(r)}\n`);
  };
  const watchdog = mcu.peripherals[0x40058];
  watchdog.onWatchdogTrigger = () => {
    stats.watchdog++;
    report({ event: 'watchdog', reason: watchdog.reason === 1 ? 'timeout' : 'forced' });
    // stopped, where the chip would reset (its counter, left at 0, would fire again at once)
    watchdog.enable = watchdog.timer.enable = watchdog.alarm.enable = false;
  };

  // The SIO divider: rp2040js adds its 8 cycles to the core's count on top of the code
  // that waits them out (pico-sdk's divider wrappers spend 8 cycles between writing the
  // operands and reading the result): those cycles would count twice, and without the clock
  // moving (the timer would disagree with the count). Taken back off here.
  const divide = mcu.sio.updateHardwareDivider;
  mcu.sio.updateHardwareDivider = function updateHardwareDivider(signed) {
    divide.call(this, signed);
    mcu.core.cycles -= 8;
  };

  const uart = mcu.uart[0];
  uart.checkInterrupts = function checkInterrupts() {
    this.interruptStatus |= 1 << 5; // TX "ready", as rp2040js says, but never delivered
    mcu.setInterrupt(this.irq, !!(this.interruptStatus & this.interruptMask & UART_RX_IRQ));
  };
  let out = [];
  uart.onByte = (b) => {
    out.push(b);
    stats.tx++;
  };

  // stdin -> UART0 RX, one byte per character time of the line the firmware set up
  const rx = [];
  let rxHead = 0;
  let feeding = false; // the alarm is set (its own `scheduled` stays true once it fired)
  const feed = mcu.clock.createAlarm(() => {
    feeding = false;
    if (rxHead < rx.length && !uart.rxFIFO.full) {
      uart.feedByte(rx[rxHead++]);
      stats.rx++;
      if (rxHead === rx.length) rx.length = rxHead = 0;
    }
    if (rxHead < rx.length) {
      feeding = true;
      feed.schedule(byteNanos());
    }
  });
  const byteNanos = () => 1e10 / (uart.baudDivider ? uart.baudRate : 115200);
  let ended = false;
  let idle = false; // the core sleeps with no alarm due: run() waits for input
  const wake = () => {
    if (idle) {
      idle = false;
      setImmediate(run);
    }
  };
  const tty = process.stdin.isTTY; // by hand: raw keys to the board, Ctrl-] to quit
  if (tty) process.stdin.setRawMode(true);
  // --usb: the REPL on the USB CDC port instead (the image as MicroPython ships it). The
  // device's OUT endpoint asks for data; rp2040js answers at once, with nothing when there
  // is no input, and the device asks again: a storm of empty transfers that would keep the
  // core from ever sleeping. Here a request with no input is held until input comes (as a
  // host's controller NAKs), which is also the flow control the raw REPL needs.
  let cdc = null;
  let held = null; // the size of the OUT request held, or null
  const cdcPump = () => {
    while (rxHead < rx.length && !cdc.txFIFO.full) {
      cdc.sendSerialByte(rx[rxHead++]);
      stats.rx++;
    }
    if (rxHead === rx.length) rx.length = rxHead = 0;
    if (held !== null && !cdc.txFIFO.empty) {
      const size = held;
      held = null;
      cdcRead(cdc.outEndpoint, size);
    }
  };
  let cdcRead = null;
  if (args.usb) {
    cdc = new USBCDC(mcu.usbCtrl);
    cdcRead = mcu.usbCtrl.onEndpointRead;
    mcu.usbCtrl.onEndpointRead = (endpoint, size) => {
      if (endpoint !== cdc.outEndpoint) cdcRead(endpoint, size);
      else {
        held = size;
        cdcPump();
      }
    };
    cdc.onSerialData = (buffer) => {
      for (const b of buffer) out.push(b);
      stats.tx += buffer.length;
    };
    cdc.onDeviceConnected = () => {
      stats.usb = 'connected';
      rx.push(0x0d); // a prompt for whoever waits for one (the banner went before DTR)
      cdcPump();
    };
  }
  process.stdin.on('data', (chunk) => {
    if (tty && chunk.includes(0x1d)) finish('Ctrl-]');
    for (const b of chunk) rx.push(b);
    if (cdc) cdcPump();
    else if (!feeding) {
      feeding = true;
      feed.schedule(byteNanos());
    }
    wake();
  });
  const finish = (why) => {
    if (ended) return;
    ended = true;
    flush();
    report({ event: 'end', why });
    process.exit(0);
  };
  process.stdin.on('end', () => finish('stdin closed'));
  process.on('SIGTERM', () => finish('SIGTERM'));

  if (args.control !== null) {
    let buf = '';
    // a libuv stream, not fs.createReadStream: a blocking read of a pipe in the thread
    // pool would hold up process.exit()
    new Socket({ fd: args.control, readable: true, writable: false }).on('data', (chunk) => {
      buf += chunk.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [cmd, arg] = buf.slice(0, nl).trim().split(/\s+/);
        buf = buf.slice(nl + 1);
        if (cmd === 'cycles') report({ event: 'cycles' });
        else if (cmd === 'adc4') mcu.adc.channelValues[4] = Number(arg);
        else if (cmd) report({ event: 'error', error: `unknown command ${cmd}` });
      }
    });
  }

  function flush() {
    if (out.length) {
      process.stdout.write(Buffer.from(out));
      out = [];
    }
  }

  function run() {
    if (ended) return;
    const { core, clock } = mcu;
    const until = performance.now() + SLICE_MS;
    let ns = 1e9 / mcu.clkSys;
    while (performance.now() < until) {
      for (let i = 0; i < 20000; i++) {
        if (core.waiting) {
          if (!clock.nextAlarm) {
            idle = true;
            flush();
            return; // wake() resumes on input
          }
          clock.tick(clock.nanosToNextAlarm);
        } else {
          clock.tick(core.executeInstruction() * ns);
        }
      }
      ns = 1e9 / mcu.clkSys; // the firmware may change the system clock
    }
    flush();
    setImmediate(run);
  }
  run();
}

main();
