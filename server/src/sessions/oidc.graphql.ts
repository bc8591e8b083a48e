import { builder } from '../graphql/builder.js';
import { OIDC_START_PATH } from '../rest/oidc.js';

interface OidcSignInOption {
  label: string;
}

const OidcSignInOptionRef = builder.objectRef<OidcSignInOption>('OidcSignInOption').implement({
  description: 'Sign-in with an OpenID provider (KEYWARD_OIDC_*), for the web app only.',
  fields: (t) => ({
    label: t.exposeString('label', {
      description: 'The provider’s name: the button reads “Sign in with <label>”.',
    }),
    startUrl: t.string({
      description:
        'Where the button leads (a top-level navigation, not a fetch); add `?next=<app path>` to come back there.',
      resolve: () => OIDC_START_PATH,
    }),
  }),
});

const SignInOptionsRef = builder.objectRef<{ oidc: OidcSignInOption | null }>('SignInOptions').implement({
  description: 'How people can sign in to the web app, besides email and password.',
  fields: (t) => ({
    oidc: t.field({
      type: OidcSignInOptionRef,
      nullable: true,
      description: 'Null when sign-in with OpenID Connect is not configured.',
      resolve: (options) => options.oidc,
    }),
  }),
});

builder.queryField('signInOptions', (t) =>
  t.field({
    type: SignInOptionsRef,
    description: 'The login page’s choices; public.',
    authScopes: { public: true },
    resolve: (_parent, _args, ctx) => ({
      oidc: ctx.services.oidc ? { label: ctx.services.oidc.label } : null,
    }),
  }),
);
