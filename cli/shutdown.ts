/**
 * Graceful shutdown for long-running commands: the first SIGINT or SIGTERM runs the stop sequence
 * (bounded: past the grace period the process exits with 1); a second signal exits at once with 1.
 */
import type { Logger } from '../runtime/log/index.ts';

/**
 * While a process is still starting (waiting for a broker, say), SIGINT/SIGTERM simply end it with 0:
 * nothing is running yet that needs stopping. Returns the function that hands over to untilSignal.
 */
export function exitOnSignalWhileStarting(log: Logger): () => void {
  const onSignal = (sig: NodeJS.Signals) => {
    log.info({ signal: sig }, 'stopped while starting');
    process.exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export function untilSignal(log: Logger, stop: () => Promise<void>, graceMs = 15_000): Promise<void> {
  return new Promise<void>((done, fail) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      const timer = setTimeout(() => {
        log.error({ graceMs }, 'shutdown took too long: exiting');
        process.exit(1);
      }, graceMs);
      timer.unref();
      stop().then(
        () => {
          clearTimeout(timer);
          log.info('stopped');
          done();
        },
        (e: unknown) => {
          clearTimeout(timer);
          fail(e);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
