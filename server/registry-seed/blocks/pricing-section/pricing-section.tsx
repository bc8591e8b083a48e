import { useId, useState } from 'react';
import './pricing-section.css';

export type BillingPeriod = 'monthly' | 'yearly';

export interface PricingPlan {
  id: string;
  name: string;
  description: string;
  /** Price per month, in whole currency units; yearly billing shows `yearlyMonthlyPrice` instead. */
  monthlyPrice: number;
  yearlyMonthlyPrice: number;
  features: string[];
  cta: { label: string; href: string };
  highlighted?: boolean;
}

export interface PricingSectionProps {
  plans: readonly PricingPlan[];
  title?: string;
  subtitle?: string;
  currency?: string;
  locale?: string;
  defaultPeriod?: BillingPeriod;
}

/** A pricing section: monthly/yearly switch (a real radio group), plan cards, a highlighted plan. */
export function PricingSection({
  plans,
  title = 'Simple, transparent pricing',
  subtitle,
  currency = 'USD',
  locale,
  defaultPeriod = 'monthly',
}: PricingSectionProps) {
  const id = useId();
  const [period, setPeriod] = useState<BillingPeriod>(defaultPeriod);
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 });
  const bestSaving = Math.max(
    0,
    ...plans
      .filter((plan) => plan.monthlyPrice > 0)
      .map((plan) => Math.round((1 - plan.yearlyMonthlyPrice / plan.monthlyPrice) * 100)),
  );

  return (
    <section className="kw-pricing" aria-labelledby={`${id}-title`}>
      <header className="kw-pricing__header">
        <h2 id={`${id}-title`}>{title}</h2>
        {subtitle && <p>{subtitle}</p>}
        <fieldset className="kw-pricing__period">
          <legend className="kw-pricing__sr-only">Billing period</legend>
          {(['monthly', 'yearly'] as const).map((value) => (
            <label key={value} className={period === value ? 'is-selected' : undefined}>
              <input
                type="radio"
                name={`${id}-period`}
                value={value}
                checked={period === value}
                onChange={() => setPeriod(value)}
              />
              {value === 'monthly' ? 'Monthly' : 'Yearly'}
              {value === 'yearly' && bestSaving > 0 && (
                <span className="kw-pricing__saving"> save up to {bestSaving}%</span>
              )}
            </label>
          ))}
        </fieldset>
      </header>
      <ul className="kw-pricing__plans">
        {plans.map((plan) => {
          const price = period === 'monthly' ? plan.monthlyPrice : plan.yearlyMonthlyPrice;
          return (
            <li
              key={plan.id}
              className={plan.highlighted ? 'kw-pricing__plan is-highlighted' : 'kw-pricing__plan'}
            >
              {plan.highlighted && <p className="kw-pricing__badge">Most popular</p>}
              <h3>{plan.name}</h3>
              <p className="kw-pricing__description">{plan.description}</p>
              <p className="kw-pricing__price">
                <span className="kw-pricing__amount">{format.format(price)}</span>
                <span className="kw-pricing__unit">
                  {' '}
                  / month{period === 'yearly' && price > 0 ? ', billed yearly' : ''}
                </span>
              </p>
              <a className="kw-pricing__cta" href={plan.cta.href}>
                {plan.cta.label}
                <span className="kw-pricing__sr-only"> ({plan.name})</span>
              </a>
              <ul className="kw-pricing__features">
                {plan.features.map((feature) => (
                  <li key={feature}>{feature}</li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
