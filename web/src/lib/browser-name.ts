const browsers: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|Chromium\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];

const systems: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

const match = (table: [RegExp, string][], text: string) => table.find(([pattern]) => pattern.test(text))?.[1];

/**
 * A session's user agent as people say it: "Chrome on Linux", "Safari on iOS". Anything else (a
 * script, curl) shows as sent, shortened; the full string stays available as a tooltip.
 */
export function browserName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const browser = match(browsers, userAgent);
  const system = match(systems, userAgent);
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return `${browser ?? system}`;
  return userAgent.length > 40 ? `${userAgent.slice(0, 39)}…` : userAgent;
}
