// The IAM evaluator itself: each rule of the evaluation logic the escalation test relies on, including where it says no.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, evaluatePolicies, wildcardMatch, type PolicyDocument } from './helpers/iam-policy.ts';

const S3_READ: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] };
const OBJECT = { action: 's3:GetObject', resource: 'arn:aws:s3:::data/file' };

test('wildcards: * spans colons and slashes, ? is one character, actions ignore case, resources do not', () => {
  assert.ok(wildcardMatch('arn:aws:logs:*:1:log-group:/ecs/app-*', 'arn:aws:logs:eu-west-1:1:log-group:/ecs/app-prod:log-stream:x', false));
  assert.ok(wildcardMatch('s3:get?bject', 'S3:GetObject', true));
  assert.ok(!wildcardMatch('arn:aws:s3:::Data/*', 'arn:aws:s3:::data/file', false));
  assert.ok(!wildcardMatch('s3:Get', 's3:GetObject', true));
});

test('nothing matching is an implicit deny; an allow allows; an explicit deny wins over it', () => {
  assert.equal(evaluatePolicies([], OBJECT), 'implicit-deny');
  assert.equal(evaluatePolicies([S3_READ], OBJECT), 'allowed');
  const deny: PolicyDocument = { Statement: [{ Effect: 'Deny', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::state/*' }] };
  assert.equal(evaluatePolicies([S3_READ, deny], OBJECT), 'explicit-deny');
  assert.equal(evaluatePolicies([S3_READ, deny], { action: 's3:GetObject', resource: 'arn:aws:s3:::state/key' }), 'allowed');
});

test('NotAction allows everything but the listed actions', () => {
  const power: PolicyDocument = { Statement: [{ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }] };
  assert.equal(evaluatePolicies([power], { action: 'iam:CreateRole', resource: '*' }), 'implicit-deny');
  assert.equal(evaluatePolicies([power], OBJECT), 'allowed');
});

test('conditions: a missing key fails StringEquals, Null tests presence', () => {
  const bounded: PolicyDocument = {
    Statement: [{ Effect: 'Allow', Action: 'iam:CreateRole', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:b' } } }],
  };
  const request = { action: 'iam:CreateRole', resource: 'arn:aws:iam::1:role/x' };
  assert.equal(evaluatePolicies([bounded], request), 'implicit-deny');
  assert.equal(evaluatePolicies([bounded], { ...request, context: { 'iam:PermissionsBoundary': 'arn:other' } }), 'implicit-deny');
  assert.equal(evaluatePolicies([bounded], { ...request, context: { 'iam:PermissionsBoundary': 'arn:b' } }), 'allowed');
  const unbounded: PolicyDocument = {
    Statement: [{ Effect: 'Deny', Action: 'iam:CreateRole', Resource: '*', Condition: { Null: { 'iam:PermissionsBoundary': 'true' } } }],
  };
  assert.equal(evaluatePolicies([unbounded], request), 'explicit-deny');
  assert.equal(evaluatePolicies([unbounded], { ...request, context: { 'iam:PermissionsBoundary': 'arn:b' } }), 'implicit-deny');
});

test('a boundary caps the identity policies: both must allow', () => {
  const boundary: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] };
  const admin: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  assert.equal(evaluate({ policies: [admin], boundary }, OBJECT), 'allowed');
  assert.equal(evaluate({ policies: [admin], boundary }, { action: 'iam:CreateUser', resource: '*' }), 'implicit-deny');
  assert.equal(evaluate({ policies: [], boundary }, OBJECT), 'implicit-deny');
});

test('a condition operator it does not model throws instead of guessing', () => {
  const policy: PolicyDocument = {
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2026-01-01' } } }],
  };
  assert.throws(() => evaluatePolicies([policy], OBJECT), /DateGreaterThan is not modelled/);
});
