import { describe, expect, it } from 'vitest';
import {
  describeWindow,
  loadPolicies,
  parseLimit,
  policyEnvVariables,
  policyNames,
} from '../../server/src/rate-limits/policies.js';

describe('parseLimit', () => {
  it.each([
    ['5/1h', 5, 3600],
    ['120/1m', 120, 60],
    ['10/15m', 10, 900],
    ['60/m', 60, 60],
    ['1/s', 1, 1],
    ['30/45s', 30, 45],
    ['7/2d', 7, 172_800],
    [' 3/1h ', 3, 3600],
  ])('reads %j as %i points per %i seconds', (value, points, durationSeconds) => {
    expect(parseLimit(value, 'KEYWARD_LIMIT_X')).toEqual({ points, durationSeconds });
  });

  it.each([
    '',
    '5',
    '5/',
    '/1m',
    '0/1m',
    '-1/1m',
    '5/0m',
    '5/-1m',
    '5/1x',
    '5/1H',
    '5/1M',
    '1.5/1m',
    '5/1.5m',
    '1e3/1m',
    '5 / 1m',
    '5/1m junk',
    'lots',
    '5/1m/1h',
  ])('rejects %j with a message naming the variable and the expected form', (value) => {
    expect(() => parseLimit(value, 'KEYWARD_LIMIT_X')).toThrow(
      /^KEYWARD_LIMIT_X must look like COUNT\/WINDOW/,
    );
  });

  it('quotes the bad value in its message', () => {
    expect(() => parseLimit('ten/1m', 'KEYWARD_LIMIT_LOGIN')).toThrow('got "ten/1m"');
  });
});

describe('loadPolicies', () => {
  it('gives the published defaults when nothing is set', () => {
    expect(loadPolicies({})).toEqual({
      'token-create': {
        name: 'token-create',
        points: 5,
        durationSeconds: 3600,
        scope: 'account',
        onStoreFailure: 'open',
      },
      token: { name: 'token', points: 120, durationSeconds: 60, scope: 'token', onStoreFailure: 'open' },
      registry: { name: 'registry', points: 60, durationSeconds: 60, scope: 'ip', onStoreFailure: 'open' },
      login: { name: 'login', points: 10, durationSeconds: 900, scope: 'ip', onStoreFailure: 'closed' },
      'login-account': {
        name: 'login-account',
        points: 20,
        durationSeconds: 900,
        scope: 'account',
        onStoreFailure: 'closed',
      },
      'password-reset-email': {
        name: 'password-reset-email',
        points: 3,
        durationSeconds: 3600,
        scope: 'account',
        onStoreFailure: 'closed',
      },
      'resend-verification': {
        name: 'resend-verification',
        points: 3,
        durationSeconds: 3600,
        scope: 'account',
        onStoreFailure: 'closed',
      },
      register: { name: 'register', points: 5, durationSeconds: 3600, scope: 'ip', onStoreFailure: 'closed' },
      'password-reset': {
        name: 'password-reset',
        points: 3,
        durationSeconds: 3600,
        scope: 'ip',
        onStoreFailure: 'closed',
      },
      'revoke-leaked': {
        name: 'revoke-leaked',
        points: 10,
        durationSeconds: 60,
        scope: 'ip',
        onStoreFailure: 'open',
      },
    });
  });

  it('names one environment variable per policy', () => {
    expect(Object.keys(policyEnvVariables).sort()).toEqual([...policyNames].sort());
    expect(policyEnvVariables).toMatchObject({
      'token-create': 'KEYWARD_LIMIT_TOKEN_CREATE',
      token: 'KEYWARD_LIMIT_TOKEN_DEFAULT',
      registry: 'KEYWARD_LIMIT_REGISTRY',
      login: 'KEYWARD_LIMIT_LOGIN',
      'login-account': 'KEYWARD_LIMIT_LOGIN_ACCOUNT',
      'password-reset-email': 'KEYWARD_LIMIT_PASSWORD_RESET_EMAIL',
      'resend-verification': 'KEYWARD_LIMIT_RESEND_VERIFICATION',
      register: 'KEYWARD_LIMIT_REGISTER',
      'password-reset': 'KEYWARD_LIMIT_PASSWORD_RESET',
      'revoke-leaked': 'KEYWARD_LIMIT_REVOKE_LEAKED',
    });
  });

  it('lets each environment variable override its policy and leaves the others alone', () => {
    const policies = loadPolicies({
      KEYWARD_LIMIT_TOKEN_CREATE: '50/1h',
      KEYWARD_LIMIT_TOKEN_DEFAULT: '1000/m',
      KEYWARD_LIMIT_REGISTRY: '2/10s',
      KEYWARD_LIMIT_LOGIN: '3/5m',
      KEYWARD_LIMIT_REGISTER: '100/1d',
      KEYWARD_LIMIT_PASSWORD_RESET: '1/1h',
      KEYWARD_LIMIT_REVOKE_LEAKED: '4/1m',
    });
    expect(policies['token-create']).toMatchObject({ points: 50, durationSeconds: 3600, scope: 'account' });
    expect(policies.token).toMatchObject({ points: 1000, durationSeconds: 60, scope: 'token' });
    expect(policies.registry).toMatchObject({ points: 2, durationSeconds: 10 });
    expect(policies.login).toMatchObject({ points: 3, durationSeconds: 300, onStoreFailure: 'closed' });
    expect(policies.register).toMatchObject({ points: 100, durationSeconds: 86_400 });
    expect(policies['password-reset']).toMatchObject({ points: 1, durationSeconds: 3600 });
    expect(policies['revoke-leaked']).toMatchObject({ points: 4, durationSeconds: 60 });
    expect(loadPolicies({ KEYWARD_LIMIT_LOGIN: '3/5m' }).registry).toMatchObject({
      points: 60,
      durationSeconds: 60,
    });
  });

  it('treats a blank variable as unset', () => {
    expect(loadPolicies({ KEYWARD_LIMIT_LOGIN: '  ' }).login).toMatchObject({
      points: 10,
      durationSeconds: 900,
    });
  });

  it('fails with a readable message naming every bad variable', () => {
    const load = () => loadPolicies({ KEYWARD_LIMIT_REGISTRY: 'lots', KEYWARD_LIMIT_LOGIN: '0/15m' });
    expect(load).toThrow(/KEYWARD_LIMIT_REGISTRY must look like COUNT\/WINDOW, e.g\. 10\/15m.*got "lots"/);
    expect(load).toThrow(/KEYWARD_LIMIT_LOGIN must look like COUNT\/WINDOW.*got "0\/15m"/);
  });
});

describe('describeWindow', () => {
  it.each([
    [1, 'second'],
    [45, '45 seconds'],
    [60, 'minute'],
    [90, '90 seconds'],
    [900, '15 minutes'],
    [3600, 'hour'],
    [7200, '2 hours'],
    [86_400, 'day'],
  ])('words %i seconds as %j', (seconds, words) => {
    expect(describeWindow(seconds)).toBe(words);
  });
});
