/**
 * The few Reflect metadata functions tsyringe (through @peculiar/x509) insists on at load time.
 * @peculiar/x509's dependency injection only stores and reads its own tokens, so a WeakMap per target
 * is all `reflect-metadata` would give it here. Installed only where no polyfill is present; it must be
 * imported before @peculiar/x509 (x509.ts does so).
 */
type MetaMap = Map<unknown, unknown>;
const store = new WeakMap<object, Map<string | symbol | undefined, MetaMap>>();

function metaOf(target: object, property: string | symbol | undefined, create: boolean): MetaMap | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let m = byProp?.get(property);
  if (!m && create && byProp) byProp.set(property, (m = new Map()));
  return m;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const getOwnMetadata = (key: unknown, target: object, property?: string | symbol) => metaOf(target, property, false)?.get(key);
  const getMetadata = (key: unknown, target: object, property?: string | symbol): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = metaOf(t, property, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  const defineMetadata = (key: unknown, value: unknown, target: object, property?: string | symbol) => {
    metaOf(target, property, true)!.set(key, value);
  };
  const metadata = (key: unknown, value: unknown) => (target: object, property?: string | symbol) => defineMetadata(key, value, target, property);
  Object.assign(R, { getOwnMetadata, getMetadata, defineMetadata, metadata });
}
export {};
