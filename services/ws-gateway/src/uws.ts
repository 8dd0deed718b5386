// Loads uWebSockets.js and refuses its silent JS fallback: the gateway exists for the native server's speed.
import uws from 'uWebSockets.js';

export type Uws = typeof uws;

/** True when `App` is the native addon's function, not the fallback's JavaScript. */
export function isNativeUws(mod: Uws): boolean {
  return typeof mod.App === 'function' && Function.prototype.toString.call(mod.App).includes('[native code]');
}

export function loadNativeUws(): Uws {
  if (!isNativeUws(uws)) {
    throw new Error(
      `uWebSockets.js loaded its JavaScript fallback, not the native binary (node ABI ${process.versions.modules}, ` +
        `${process.platform}-${process.arch}${process.env.UWS_USE_FALLBACK ? ', UWS_USE_FALLBACK is set' : ''}). ` +
        'Refusing to start: run Node 20 on glibc (node:20-bookworm-slim, not Alpine) and unset UWS_USE_FALLBACK.',
    );
  }
  return uws;
}
