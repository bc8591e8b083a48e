import { useQuery } from '@tanstack/react-query';
import { printable } from '../../lib/printable';
import { presetLabels } from '../tokens/token-labels';
import { type OrganizationPolicy, policyQuery } from './organizations.operations';

/** The rules a token can break (Token.outOfPolicy), as the inventories' badges name them. */
export type PolicyRule = 'EXPIRY_REQUIRED' | 'MAX_LIFETIME_EXCEEDED' | 'PRESET_NOT_ALLOWED';

export const policyRuleLabels: Record<PolicyRule, string> = {
  EXPIRY_REQUIRED: 'No expiry',
  MAX_LIFETIME_EXCEEDED: 'Lives too long',
  PRESET_NOT_ALLOWED: 'Preset not allowed',
};

/** How a rule this build does not know yet (a newer server's) is named, rather than breaking the page. */
export const policyRuleLabel = (rule: string): string =>
  policyRuleLabels[rule as PolicyRule] ?? rule.charAt(0) + rule.slice(1).toLowerCase().replaceAll('_', ' ');

/** "All permissions or Read only": a list of presets in words. */
export function presetList(presets: readonly string[]): string {
  const names = presets.map((preset) => presetLabels[preset as keyof typeof presetLabels] ?? preset);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** What the policy asks of a new token, one clause each; empty when it asks nothing. */
export function policyClauses(policy: OrganizationPolicy): string[] {
  const clauses: string[] = [];
  if (policy.maxLifetimeDays !== null)
    clauses.push(`expire within ${policy.maxLifetimeDays} ${policy.maxLifetimeDays === 1 ? 'day' : 'days'}`);
  else if (policy.requireExpiry) clauses.push('have an expiry');
  if (policy.allowedPresets) clauses.push(`use ${presetList(policy.allowedPresets)}`);
  return clauses;
}

/**
 * Above the New token form of an organization: what its policy asks, so a refusal is no
 * surprise. Nothing when the policy asks nothing (or cannot be read).
 */
export function PolicyNote({ organization }: { organization: { slug: string; name: string } }) {
  const policy = useQuery(policyQuery(organization.slug));
  const clauses = policy.data ? policyClauses(policy.data) : [];
  if (clauses.length === 0) return null;
  return (
    <p className="note policy-note">
      The policy of {printable(organization.name)}: its tokens must {clauses.join(' and ')}.
    </p>
  );
}
