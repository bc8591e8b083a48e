import type { HTMLAttributes, ReactNode } from 'react';
import './card.css';

export interface CardProps extends Omit<HTMLAttributes<HTMLElement>, 'title'> {
  title?: ReactNode;
  /** A short line under the title. */
  description?: ReactNode;
  /** Actions or meta shown under the body, e.g. buttons. */
  footer?: ReactNode;
  /** Makes the whole card a link; the title becomes the link text, so screen readers hear one link. */
  href?: string;
  /** The heading level of the title (default 3), to fit the page outline. */
  headingLevel?: 2 | 3 | 4 | 5 | 6;
}

export function Card({
  title,
  description,
  footer,
  href,
  headingLevel = 3,
  className,
  children,
  ...rest
}: CardProps) {
  const Heading = `h${headingLevel}` as const;
  const classes = ['kw-card', href ? 'kw-card--link' : null, className].filter(Boolean).join(' ');
  return (
    <article {...rest} className={classes}>
      {(title || description) && (
        <header className="kw-card__header">
          {title && (
            <Heading className="kw-card__title">
              {href ? (
                <a className="kw-card__link" href={href}>
                  {title}
                </a>
              ) : (
                title
              )}
            </Heading>
          )}
          {description && <p className="kw-card__description">{description}</p>}
        </header>
      )}
      {children && <div className="kw-card__body">{children}</div>}
      {footer && <footer className="kw-card__footer">{footer}</footer>}
    </article>
  );
}
