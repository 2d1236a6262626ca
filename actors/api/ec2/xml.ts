/**
 * EC2's XML: every answer is `<{Action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`
 * with a `requestId` first; lists are `<item>` elements (instancesSet/item, tagSet/item, ...). Values
 * are a small tree: an object is a sequence of child elements in key order (a Map keeps it too), an
 * array a list of items, null/undefined is left out, and everything else is escaped text.
 */

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [key: string]: XmlValue };

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function inner(v: XmlValue): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => element('item', x)).join('');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => element(k, x)).join('');
  return escapeXml(String(v));
}

export function element(name: string, v: XmlValue): string {
  if (v === null || v === undefined) return '';
  return `<${name}>${inner(v)}</${name}>`;
}

export function ec2Response(action: string, requestId: string, body: { [key: string]: XmlValue }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}">${element('requestId', requestId)}${inner(body)}</${action}Response>`;
}

export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`;
}

/** EC2's timestamps: 2016-11-15T10:00:00.000Z. */
export function ec2Time(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined ? undefined : new Date(ms).toISOString();
}
