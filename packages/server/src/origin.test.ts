// One origin policy for every service: the page's own origin, plus the origins ALLOWED_ORIGINS names.
import { describe, expect, it } from 'vitest';
import { allowedOriginsEnv, originAllowed } from './origin.js';

const list = (value: string) => allowedOriginsEnv.parse(value);

describe('originAllowed', () => {
  it('checks origins against the list, * allowing all', () => {
    expect(originAllowed(list('*'), 'http://x', 'y')).toBe(true);
    expect(originAllowed(list('http://a, http://b'), 'http://b', 'y')).toBe(true);
    expect(originAllowed(list('http://a,http://b'), 'http://c', 'y')).toBe(false);
    expect(originAllowed(list('http://a'), undefined, 'y')).toBe(true);
    // Unset: the page's own origin only (its host is the Host it asked), whatever the port.
    expect(originAllowed(list(''), 'http://localhost:8080', 'localhost:8080')).toBe(true);
    expect(originAllowed(list(''), 'https://dash.example.com', 'dash.example.com')).toBe(true);
    expect(originAllowed(list(''), 'https://evil.example', 'localhost:8080')).toBe(false);
    expect(originAllowed(list(''), 'http://localhost:8081', 'localhost:8080')).toBe(false);
    expect(originAllowed(list(''), 'null', 'localhost:8080')).toBe(false);
    expect(originAllowed(list(''), 'https://evil.example', undefined)).toBe(false);
  });

  it('reads ALLOWED_ORIGINS as *, or exact lower-cased origins', () => {
    expect(list('https://a.example, *')).toBe('*');
    expect(list('https://Dash.example.com, http://localhost:5173')).toEqual(['https://dash.example.com', 'http://localhost:5173']);
    expect(allowedOriginsEnv.safeParse('https://a.example/path').success).toBe(false);
    expect(allowedOriginsEnv.safeParse('a.example').success).toBe(false);
  });
});
