import { EmailJob } from '@contracts/notifications';
import { renderEmail } from './email-templates.js';

describe('renderEmail', () => {
  it('tells a watcher which product is back and how many there are', () => {
    const email = EmailJob.parse({
      template: 'back-in-stock',
      to: 'ana@example.com',
      data: { productId: 'p-1', productName: 'Teapot', stock: 4 },
    });
    const { subject, text } = renderEmail(email);
    expect(subject).toBe('Teapot is back in stock');
    expect(text).toContain('Teapot is back in stock (4 available)');
    expect(text).toContain('p-1');
  });

  it('puts the reset token on a line of its own, with its expiry', () => {
    const token = 'tok_0123456789abcdef0123';
    const email = EmailJob.parse({ template: 'password-reset', to: 'ana@example.com', data: { token, expiresAt: '2030-01-01T00:00:00.000Z' } });
    const { subject, text } = renderEmail(email);
    expect(subject).toBe('Reset your password');
    expect(text.split('\n')).toContain(token);
    expect(text).toContain('2030-01-01T00:00:00.000Z');
  });
});
