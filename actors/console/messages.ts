/**
 * The console messages on a cell's bus. API → leaf conductor: get_console (issue a token for a
 * guest's console) and validate_console_token (by hash; the proxies and os-console-auth-tokens).
 * Conductor → compute host: compute_get_console (the host mints the token and says where its
 * console listens) and compute_validate_console_port (Nova's validate_console_port).
 */
import { z } from 'zod';
import { defineMessage } from '../../runtime/bus/index.ts';
import { consoleTypeSchema, tokenHashSchema } from './console-auth-token.ts';

export const GetConsole = defineMessage('get_console', 1, z.object({ uuid: z.string(), consoleType: consoleTypeSchema }));
export type GetConsoleBody = z.infer<typeof GetConsole>;

export const ValidateConsoleToken = defineMessage(
  'validate_console_token',
  1,
  z.object({ tokenHash: tokenHashSchema, checkPort: z.boolean() }),
);
export type ValidateConsoleTokenBody = z.infer<typeof ValidateConsoleToken>;

export const ComputeGetConsole = defineMessage('compute_get_console', 1, z.object({ uuid: z.string(), consoleType: consoleTypeSchema }));

export const ComputeValidateConsolePort = defineMessage(
  'compute_validate_console_port',
  1,
  z.object({ uuid: z.string(), port: z.number().int(), consoleType: consoleTypeSchema }),
);
export type ComputeValidateConsolePortBody = z.infer<typeof ComputeValidateConsolePort>;
