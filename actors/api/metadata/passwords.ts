/**
 * The server password as Nova keeps it: what the guest POSTs once to /openstack/latest/password
 * (usually encrypted with its key pair's public key) is stored with the instance and shown by
 * GET /servers/{id}/os-server-password until DELETE clears it. Nova writes it into the instance's
 * system_metadata (password_0..3); here it is an attribute of the server in the API database, where
 * server metadata and tags are kept too, so it survives restarts of the API and metadata processes.
 */
import type { ServerAttrs } from '../db/types.ts';
import type { PasswordStore } from './service.ts';

/** The part of the API store's instance mappings the password needs. */
export interface ServerAttrsStore {
  attrs(uuid: string): ServerAttrs;
  patch(uuid: string, patch: ServerAttrs): Promise<ServerAttrs>;
}

export class ServerAttrsPasswords implements PasswordStore {
  constructor(private readonly instances: ServerAttrsStore) {}

  get(uuid: string): string | undefined {
    return this.instances.attrs(uuid).serverPassword || undefined;
  }

  async set(uuid: string, password: string): Promise<void> {
    await this.instances.patch(uuid, { serverPassword: password });
  }
}
