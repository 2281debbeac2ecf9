// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A small TAP harness for the GJS suites: named async cases run in order,
// each failure is reported with its stack, and a watchdog ends a run that
// hangs. Run with G_DEBUG=fatal-criticals, so that an exception thrown in a
// main-loop callback (a signal handler) aborts the run instead of being
// logged and forgotten.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';

Gio._promisify(Gio.Subprocess.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

export class AssertionError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AssertionError';
    }
}

function show(value) {
    if (value instanceof GLib.Variant)
        return `GLib.Variant(${value.print(true)})`;
    if (typeof value === 'bigint')
        return `${value}n`;
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

export function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new AssertionError(message);
}

export function assertEqual(actual, expected, message = '') {
    const a = show(actual), e = show(expected);
    if (a !== e || typeof actual !== typeof expected)
        throw new AssertionError(`${message ? `${message}: ` : ''}expected ${e}, got ${a}`);
}

/**
 * Awaits a promise that must reject with a GLib.Error of the given domain
 * and code, and returns the error.
 */
export async function assertRejects(promise, domain, code, messagePart) {
    let error = null;
    try {
        const value = await promise;
        throw new AssertionError(`expected an error, got ${show(value)}`);
    } catch (e) {
        if (e instanceof AssertionError)
            throw e;
        error = e;
    }
    checkError(error, domain, code, messagePart);
    return error;
}

export function assertThrows(fn, domain, code, messagePart) {
    let error = null;
    try {
        const value = fn();
        throw new AssertionError(`expected an error, got ${show(value)}`);
    } catch (e) {
        if (e instanceof AssertionError)
            throw e;
        error = e;
    }
    checkError(error, domain, code, messagePart);
    return error;
}

function checkError(error, domain, code, messagePart) {
    if (!(error instanceof GLib.Error))
        throw new AssertionError(`expected a GLib.Error, got ${error}\n${error?.stack ?? ''}`);
    if (!error.matches(domain, code)) {
        throw new AssertionError(`expected error ${GLib.quark_to_string(domain)}:${code}, got ` +
            `${GLib.quark_to_string(error.domain)}:${error.code}: ${error.message}`);
    }
    if (messagePart !== undefined && !error.message.includes(messagePart))
        throw new AssertionError(`expected “${messagePart}” in the message “${error.message}”`);
}

/** Resolves after `msec` milliseconds of running the main loop. */
export function sleep(msec) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, msec, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

/**
 * Runs the main context until `predicate()` holds, for at most `msec`: a
 * bound on a hang, generous for a loaded machine, not a measure of speed.
 */
export async function waitFor(predicate, what, msec = 8000) {
    const until = GLib.get_monotonic_time() + msec * 1000;
    while (!predicate()) {
        if (GLib.get_monotonic_time() > until)
            throw new AssertionError(`timed out waiting for ${what}`);
        await sleep(5);
    }
}

/** The file next to `base` (an import.meta.url) called `name`. */
export function sibling(base, name) {
    return GLib.build_filenamev([GLib.path_get_dirname(GLib.filename_from_uri(base)[0]), name]);
}

/** The gjs running this script, to start a child with. */
export function gjsPath() {
    if (GLib.getenv('PP_TEST_GJS'))
        return GLib.getenv('PP_TEST_GJS');
    try {
        return GLib.file_read_link('/proc/self/exe');
    } catch {
        return 'gjs';
    }
}

/**
 * Runs `cases` (an Array of [name, async function]) as a TAP stream and
 * exits: 0 if all passed, 1 otherwise. A run longer than `watchdogSeconds`
 * is a failure.
 */
let currentStep = null;

/**
 * Names what the running case waits for next, for the watchdog to say if
 * the run hangs there.
 */
export function step(what) {
    currentStep = what;
}

export async function run(cases, watchdogSeconds = 25) {
    // The case that hangs is named where a summary shows only this line
    let current = 'before the first case';
    GLib.timeout_add_seconds(GLib.PRIORITY_HIGH, watchdogSeconds, () => {
        const at = currentStep ? `, at: ${currentStep}` : '';
        print(`Bail out! the run took more than ${watchdogSeconds} s, in ${current}${at}`);
        System.exit(1);
        return GLib.SOURCE_REMOVE;
    });

    print(`1..${cases.length}`);
    let failed = 0;
    for (const [i, [name, fn]] of cases.entries()) {
        current = `case ${i + 1} (${name})`;
        currentStep = null;
        const start = GLib.get_monotonic_time();
        try {
            await fn();
            print(`ok ${i + 1} ${name} # ${((GLib.get_monotonic_time() - start) / 1000).toFixed(0)} ms`);
        } catch (e) {
            failed++;
            print(`not ok ${i + 1} ${name}`);
            const text = e instanceof GLib.Error
                ? `GLib.Error ${GLib.quark_to_string(e.domain)}:${e.code}: ${e.message}\n${e.stack ?? ''}`
                : `${e}\n${e?.stack ?? ''}`;
            for (const line of text.trimEnd().split('\n'))
                print(`# ${line}`);
        }
    }
    System.exit(failed === 0 ? 0 : 1);
}
