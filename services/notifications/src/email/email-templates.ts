import type { EmailJob } from '@contracts/notifications';

export interface EmailContent {
  subject: string;
  text: string;
}

type Renderers = { [T in EmailJob['template']]: (email: Extract<EmailJob, { template: T }>) => EmailContent };

/**
 * One renderer per template. The mapped type makes a template without a renderer a compile
 * error, which is the "every job kind has exactly one handler" check for this queue.
 */
const renderers: Renderers = {
  'back-in-stock': ({ data }) => ({
    subject: `${data.productName} is back in stock`,
    text: [
      `Good news: ${data.productName} is back in stock (${data.stock} available).`,
      '',
      `Product: ${data.productId}`,
      '',
      'You asked to be told once; watch the product again to hear about the next restock.',
    ].join('\n'),
  }),
  'password-reset': ({ data }) => ({
    subject: 'Reset your password',
    text: [
      'Someone asked to reset the password of this account. If it was you, use this token:',
      '',
      data.token,
      '',
      `It works once and expires at ${data.expiresAt}. If it was not you, ignore this email.`,
    ].join('\n'),
  }),
  'verify-email': ({ data }) => ({
    subject: 'Confirm your email address',
    text: [
      'Someone registered an account with this email address. If it was you, confirm it with this token:',
      '',
      data.token,
      '',
      `It works once and expires at ${data.expiresAt}; until then the account does not exist. If it was not you, ignore this email.`,
    ].join('\n'),
  }),
  'account-exists': () => ({
    subject: 'You already have an account',
    text: [
      'Someone tried to register a new account with this email address, which already has one.',
      '',
      'If it was you, log in, or reset your password if you forgot it. If it was not you, ignore this email: nothing changed.',
    ].join('\n'),
  }),
};

/** The subject and body of an email job. */
export function renderEmail(email: EmailJob): EmailContent {
  // The union is narrowed by the renderer table's own key, which TypeScript cannot relate here.
  const render = renderers[email.template] as (email: EmailJob) => EmailContent;
  return render(email);
}
