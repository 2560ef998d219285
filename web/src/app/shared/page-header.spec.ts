import { Component, signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { PageHeader } from './page-header';

@Component({
  imports: [PageHeader],
  template: `
    <section aria-labelledby="demo-heading">
      <lw-page-header
        headingId="demo-heading"
        [heading]="heading()"
        [refreshLabel]="refreshLabel()"
        (refresh)="refreshes = refreshes + 1"
      >
        Account <strong>{{ account() }}</strong> · newest first
        <button lwPageAction type="button" class="extra">Export</button>
      </lw-page-header>
    </section>
  `,
})
class Host {
  readonly heading = signal('Demo');
  readonly account = signal('default');
  readonly refreshLabel = signal<string | undefined>('Refresh demo');
  refreshes = 0;
}

describe('PageHeader', () => {
  let fixture: ComponentFixture<Host>;
  const find = (selector: string) => fixture.nativeElement.querySelector(selector) as HTMLElement | null;
  const refreshButton = () => find('.page__actions button[aria-label="Refresh demo"]');

  beforeEach(async () => {
    fixture = TestBed.createComponent(Host);
    await fixture.whenStable();
  });

  it('renders the heading with the id the section is labelled by', () => {
    const heading = find('header.page__header h1.page__title');
    expect(heading?.textContent?.trim()).toBe('Demo');
    expect(heading?.id).toBe('demo-heading');
    expect(find('section')?.getAttribute('aria-labelledby')).toBe(heading?.id);
  });

  it('projects the subtitle, and the marked actions next to the refresh button', () => {
    const subtitle = find('.page__subtitle');
    expect(subtitle?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Account default · newest first');
    expect(subtitle?.querySelector('strong')?.textContent).toBe('default');
    expect(subtitle?.querySelector('button')).toBeNull();

    const actions = [...(find('.page__actions')?.querySelectorAll('button') ?? [])];
    expect(actions.map((button) => button.getAttribute('aria-label') ?? button.textContent?.trim())).toEqual([
      'Refresh demo',
      'Export',
    ]);
  });

  it('emits refresh when the refresh button is clicked', () => {
    refreshButton()?.click();
    refreshButton()?.click();

    expect(fixture.componentInstance.refreshes).toBe(2);
  });

  it('has no refresh button without a refresh label', async () => {
    fixture.componentInstance.refreshLabel.set(undefined);
    await fixture.whenStable();

    expect(refreshButton()).toBeNull();
    expect(find('.page__actions .extra')).not.toBeNull();
  });

  it('follows changes of the heading and the projected content', async () => {
    fixture.componentInstance.heading.set('Other');
    fixture.componentInstance.account.set('acct-2');
    await fixture.whenStable();

    expect(find('h1')?.textContent?.trim()).toBe('Other');
    expect(find('.page__subtitle strong')?.textContent).toBe('acct-2');
  });
});
