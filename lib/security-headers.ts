// The security header block sent on every response, built once at start-up.

/** Every powerful feature the Permissions-Policy denies: a JSON API needs none of them. */
const DENIED_FEATURES = [
  'accelerometer', 'ambient-light-sensor', 'autoplay', 'battery', 'bluetooth', 'browsing-topics', 'camera',
  'clipboard-read', 'clipboard-write', 'display-capture', 'document-domain', 'encrypted-media',
  'execution-while-not-rendered', 'execution-while-out-of-viewport', 'fullscreen', 'gamepad', 'geolocation',
  'gyroscope', 'hid', 'identity-credentials-get', 'idle-detection', 'interest-cohort', 'keyboard-map',
  'local-fonts', 'magnetometer', 'microphone', 'midi', 'navigation-override', 'otp-credentials', 'payment',
  'picture-in-picture', 'publickey-credentials-create', 'publickey-credentials-get', 'screen-wake-lock',
  'serial', 'speaker-selection', 'storage-access', 'sync-xhr', 'usb', 'web-share', 'window-management',
  'xr-spatial-tracking',
] as const;

export const DEFAULT_HSTS_MAX_AGE = 63_072_000;

/**
 * The security headers as [name, value] pairs, in wire order. A superset of helmet 8's defaults and of
 * Flask-Talisman's, scored for the MDN HTTP Observatory (see docs/security.md).
 * HSTS is sent on every response: browsers ignore it over plain HTTP (RFC 6797 §8.1), and a constant
 * block can be precomputed.
 */
export function securityHeaders(hstsMaxAge: number = DEFAULT_HSTS_MAX_AGE): ReadonlyArray<readonly [string, string]> {
  return [
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
    ['Strict-Transport-Security', `max-age=${hstsMaxAge}; includeSubDomains`],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Cross-Origin-Embedder-Policy', 'require-corp'],
    ['Origin-Agent-Cluster', '?1'],
    ['Permissions-Policy', DENIED_FEATURES.map((feature) => `${feature}=()`).join(', ')],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
    ['Cache-Control', 'no-store'],
  ];
}
