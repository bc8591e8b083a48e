/** A Pro component licence is active when the plan is pro or team (SPEC 3). */
export function hasProLicence(account: { plan: string }): boolean {
  return account.plan === 'pro' || account.plan === 'team';
}
