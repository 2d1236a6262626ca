/**
 * The compute host's side of consoles (nova/compute/manager.py get_vnc_console & co.): ask the driver
 * where the guest's console listens, mint the token there, and later confirm that a port a proxy is
 * about to connect to really is that guest's console (validate_console_port), so a token issued for
 * one guest can never be pointed at another's display after a restart reshuffled the ports.
 */
import type { ComputeDriver, ConsoleInfo } from '../compute/drivers/driver.ts';
import { newConsoleToken, type ConsoleType, type IssuedConsole } from './console-auth-token.ts';

/** The driver call behind each console type. */
function consoleOf(driver: ComputeDriver, uuid: string, type: ConsoleType): Promise<ConsoleInfo> {
  switch (type) {
    case 'novnc':
    case 'xvpvnc':
      return driver.getVncConsole(uuid);
    case 'spice-html5':
      return driver.getSpiceConsole(uuid);
    case 'serial':
      return driver.getSerialConsole(uuid);
  }
}

export async function issueConsole(
  driver: ComputeDriver, computeHost: string, uuid: string, consoleType: ConsoleType, random16: () => Uint8Array,
): Promise<IssuedConsole> {
  const c = await consoleOf(driver, uuid, consoleType);
  return {
    token: newConsoleToken(random16()),
    connect: { instanceUuid: uuid, consoleType, host: c.host, port: c.port, internalAccessPath: c.internalAccessPath ?? null, computeHost },
  };
}

export async function validateConsolePort(driver: ComputeDriver, uuid: string, port: number, consoleType: ConsoleType): Promise<boolean> {
  try {
    return (await consoleOf(driver, uuid, consoleType)).port === port;
  } catch {
    return false;
  }
}
