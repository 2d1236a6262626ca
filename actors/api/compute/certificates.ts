/**
 * os-certificates (Nova's nova/api/openstack/compute/certificates.py before nova-cert was removed):
 * `POST /os-certificates` makes a certificate and private key for the caller, signed by the
 * deployment's CA (EC2 image bundling used them); `GET /os-certificates/root` shows the CA
 * certificate (`private_key` null). Any other id is 501, as Nova's "Only root certificate can be
 * retrieved."; no CA yet is 404. Policy `os_compute_api:os-certificates:{create,show}` is
 * admin_or_owner: any project-scoped user, for themselves. The `openstack` CLI has no command for it.
 */
import type { FastifyInstance } from 'fastify';
import { NotFound, NovaError } from '../../../runtime/errors/index.ts';
import { CaNotFound, CertificateError, type CertificateService } from '../../cert/index.ts';
import { callerOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';

/** Nova's common.raise_feature_not_supported: HTTP 501. */
class FeatureNotSupported extends NovaError {
  override readonly code = 501;
  override readonly fault = 'notImplemented';
}

function serviceOf(deps: ComputeDeps): CertificateService {
  if (!deps.certificates) throw new NotFound('Root CA file not found: this API has no certificate authority');
  return deps.certificates;
}

export function registerCertificateRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<{ Params: { id: string } }>('/os-certificates/:id', async (request) => {
    callerOf(request);
    if (request.params.id !== 'root') throw new FeatureNotSupported('Only root certificate can be retrieved.');
    try {
      return { certificate: { data: serviceOf(deps).fetchCa(), private_key: null } };
    } catch (e) {
      if (e instanceof CaNotFound) throw new NotFound(e.message);
      throw e;
    }
  });

  // Nova's create takes no body (body=None) and answers 200.
  app.post('/os-certificates', async (request) => {
    const caller = callerOf(request);
    // No CA key here (a site given only ca.crt): Nova's CryptoCAFileNotFound, 404.
    const c = await serviceOf(deps).generateX509Cert(caller.userId, caller.projectId).catch((e: unknown) => {
      throw e instanceof CertificateError ? new NotFound(e.message) : e;
    });
    return { certificate: { data: c.certificatePem, private_key: c.privateKeyPem } };
  });
}
