/** A Pro component licence is active when the plan is pro or team. */
export function hasProLicence(account: { plan: string }): boolean {
  return account.plan === 'pro' || account.plan === 'team';
}
