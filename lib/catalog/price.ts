const GBP = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });

export function formatPrice(amount: number): string {
  return GBP.format(amount);
}
