// Starts imghost on the real Workers runtime (`wrangler dev`: workerd with
// local R2 and D1) on free ports, with a throwaway state directory and its
// own vars, so tests never touch the developer's data or .dev.vars.
import { spawn, execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';

export const ROOT = resolve(import.meta.dirname, '../..');
export const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');
/** The buckets of wrangler.toml: the public images and the private trash. */
export const IMAGE_BUCKET = 'imghost-images';
export const TRASH_BUCKET = 'imghost-trash';
/** The environment wrangler runs in here: no metrics, no network lookups. */
export const QUIET_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  // `node --test` run in a terminal passes FORCE_COLOR to its children:
  // the tests read wrangler's output, which must read the same either way.
  FORCE_COLOR: '0',
  NO_COLOR: '1',
  PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.CARGO_HOME ?? `${process.env.HOME}/.cargo`}/bin:${process.env.PATH}`,
};

// Every stack still running when this process exits is killed with it,
// whatever the tests did (a failed `before` leaves no workerd behind).
const running = new Set();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
});

/** `text` without ANSI escape sequences (colours, cursor moves). */
export const withoutColour = (text) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

/** The text of a Wrangler config without its `[assets]` table. */
export function withoutAssets(config) {
  return config.replace(/^\[assets\]\n(?:(?!\[).*\n)*/m, '');
}

/**
 * Writes wrangler.toml, changed by `edit`, into `dir` with its paths made
 * absolute (so it works from there); returns the file's path.
 */
export async function writeConfig(dir, edit) {
  const config = edit(await readFile(join(ROOT, 'wrangler.toml'), 'utf8'))
    .replace('main = "api/build/index.js"', `main = "${join(ROOT, 'api/build/index.js')}"`)
    .replace('migrations_dir = "migrations"', `migrations_dir = "${join(ROOT, 'migrations')}"`)
    .replace('directory = "web/dist"', `directory = "${join(ROOT, 'web/dist')}"`);
  if (!config.includes(`main = "${ROOT}`)) throw new Error('wrangler.toml changed shape; update writeConfig');
  const file = join(dir, 'wrangler.toml');
  await writeFile(file, config);
  return file;
}

/** Applies the migrations to the D1 in `stateDir`. */
function applyMigrations(stateDir, configArgs) {
  return promisify(execFile)(
    WRANGLER,
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir, ...configArgs],
    { cwd: ROOT, env: QUIET_ENV },
  );
}

/**
 * A state directory with the migrations applied to an empty D1, made once
 * for these migrations, this config and this wrangler, and then copied for
 * every stack: applying them is a wrangler run of its own, seconds of CPU
 * per stack. Made aside and renamed into place, so that test files running
 * at once never see half of one.
 */
async function migratedState(configArgs) {
  const hash = createHash('sha256');
  const migrations = join(ROOT, 'migrations');
  for (const name of (await readdir(migrations)).sort()) {
    hash.update(name).update(await readFile(join(migrations, name)));
  }
  hash.update(await readFile(configArgs[1] ?? join(ROOT, 'wrangler.toml')));
  hash.update(await readFile(join(ROOT, 'node_modules/wrangler/package.json')));
  const made = join(tmpdir(), `imghost-migrated-${hash.digest('hex').slice(0, 16)}`);
  if (await stat(made).then(() => true, () => false)) return made;
  const making = await mkdtemp(join(tmpdir(), 'imghost-migrating-'));
  try {
    await applyMigrations(making, configArgs);
    await rename(making, made);
  } catch (error) {
    await rm(making, { recursive: true, force: true });
    // Only "another test file made it first" is not a failure.
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
  }
  return made;
}

class PortTaken extends Error {}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * @param {object} [options]
 * @param {Record<string, string>} [options.vars] vars and secrets for the Worker;
 *   ADMIN_TOKEN defaults to a random token (pass `ADMIN_TOKEN: ''` for none).
 * @param {(stateDir: string) => Promise<void>} [options.prepare] runs on the
 *   empty state directory, before the migrations are applied.
 * @param {(stateDir: string) => Promise<void>} [options.seed] fills the
 *   migrated database before the Worker starts.
 * @param {string} [options.config] a Wrangler config other than wrangler.toml.
 * @param {boolean} [options.testScheduled] serve `GET /__scheduled?cron=...`,
 *   which runs the Worker's Cron Trigger handler (`wrangler dev --test-scheduled`).
 * @returns {Promise<{url: string, token: string, stateDir: string, logs: () => string, stop: () => Promise<void>}>}
 */
export async function startStack({ vars = {}, prepare, seed, config, testScheduled = false } = {}) {
  const configArgs = config ? ['--config', config] : [];
  const stateDir = await mkdtemp(join(tmpdir(), 'imghost-test-'));
  const token = vars.ADMIN_TOKEN ?? randomBytes(16).toString('hex');
  const envFile = join(stateDir, 'test.vars');
  const allVars = { ...vars, ADMIN_TOKEN: token };
  await writeFile(
    envFile,
    Object.entries(allVars)
      .filter(([, value]) => value !== '')
      .map(([key, value]) => `${key}=${JSON.stringify(String(value))}`)
      .join('\n') + '\n',
  );
  if (prepare) {
    // A state made before the migrations: they are applied to it here.
    await prepare(stateDir);
    await applyMigrations(stateDir, configArgs);
  } else {
    await cp(await migratedState(configArgs), stateDir, { recursive: true });
  }
  await seed?.(stateDir);
  let child;
  let output = '';
  let url;
  /**
   * Starts `wrangler dev` on the state directory and waits for it. A port
   * found free can be taken by another process before wrangler binds it;
   * then wrangler exits and this tries new ports.
   */
  const launch = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launchOnce();
      } catch (error) {
        if (!(error instanceof PortTaken) || attempt === 5) throw error;
      }
    }
  };
  const launchOnce = async () => {
    output = '';
    const port = await freePort();
    const inspectorPort = await freePort();
    child = spawn(
      WRANGLER,
      [
        'dev',
        ...configArgs,
        '--ip', '127.0.0.1',
        '--port', String(port),
        '--inspector-port', String(inspectorPort),
        '--persist-to', stateDir,
        '--env-file', envFile,
        '--show-interactive-dev-session=false',
        '--live-reload=false',
        ...(testScheduled ? ['--test-scheduled'] : []),
      ],
      { cwd: ROOT, env: QUIET_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child.pid);
    // Do not keep this process alive for the stack's sake.
    child.unref();
    child.stdout.unref();
    child.stderr.unref();
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (true) {
      if (child.exitCode !== null) {
        await kill();
        if (/Address already in use/.test(output)) throw new PortTaken(output);
        await stop();
        throw new Error(`wrangler dev exited early:\n${output}`);
      }
      // Only once wrangler says it listens there is the answer its own and
      // not another server's that holds the port.
      if (withoutColour(output).includes(`Ready on ${url}`)) {
        try {
          const response = await fetch(`${url}/__health`);
          await response.arrayBuffer();
          return;
        } catch {}
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev did not start within 60 s:\n${output}`);
      }
      await new Promise((done) => setTimeout(done, 200));
    }
  };

  /** SIGKILL to wrangler and the workerd it started, as a crash would. */
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // Hold the process open until the stack is gone (it was unref'd so
      // as not to keep the process alive while running).
      child.ref();
      const exited = new Promise((done) => child.once('exit', done));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      await exited;
    }
    running.delete(child.pid);
  };
  // The state is thrown away, so there is nothing to shut down gracefully.
  const stop = async () => {
    await kill();
    await rm(stateDir, { recursive: true, force: true });
  };

  await launch();
  const wrangler = (...args) =>
    promisify(execFile)(WRANGLER, [...args, '--local', '--persist-to', stateDir, ...configArgs], { cwd: ROOT, env: QUIET_ENV });
  return {
    get url() {
      return url;
    },
    token,
    stateDir,
    /** What wrangler printed, without colour codes whatever the terminal. */
    logs: () => withoutColour(output),
    stop,
    /** Kills the runtime mid-work (SIGKILL) and starts it again on the same
     * state, at a new address. */
    async crashAndRestart() {
      await kill();
      await launch();
    },
    /** Runs SQL on the stack's D1 behind the Worker's back; returns the rows. */
    async sql(command) {
      const { stdout } = await wrangler('d1', 'execute', 'DB', '--json', '--command', command);
      return JSON.parse(stdout)[0].results;
    },
    /** Puts an object in the stack's R2 behind the Worker's back. */
    async putObject(key, file, { bucket = IMAGE_BUCKET } = {}) {
      await wrangler('r2', 'object', 'put', `${bucket}/${key}`, '--file', file);
    },
    /** Deletes an object from the stack's R2 behind the Worker's back. */
    async deleteObject(key, { bucket = IMAGE_BUCKET } = {}) {
      await wrangler('r2', 'object', 'delete', `${bucket}/${key}`);
    },
    /**
     * The bytes of an object in the stack's R2, or null when there is none.
     * In the image bucket that is what a custom domain bound to it serves
     * (the README's production setup: every object there is public).
     */
    async getObject(key, { bucket = IMAGE_BUCKET } = {}) {
      try {
        const { stdout } = await promisify(execFile)(
          WRANGLER,
          ['r2', 'object', 'get', `${bucket}/${key}`, '--pipe', '--local', '--persist-to', stateDir, ...configArgs],
          { cwd: ROOT, env: QUIET_ENV, encoding: 'buffer', maxBuffer: 64 << 20 },
        );
        return stdout;
      } catch (error) {
        if (/specified key does not exist/.test(String(error.stderr ?? error))) return null;
        throw error;
      }
    },
  };
}
