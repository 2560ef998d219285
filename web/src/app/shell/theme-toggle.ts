import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatIconButton } from '@angular/material/button';
import { ThemeService } from '../core/theme.service';
import { Icon } from '../shared/icon';

/** Light/dark switch for the toolbar; the choice is remembered. */
@Component({
  selector: 'lw-theme-toggle',
  imports: [MatIconButton, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button matIconButton type="button" [attr.aria-label]="label()" [attr.title]="label()" (click)="toggle()">
      <lw-icon [name]="theme.mode() === 'dark' ? 'light' : 'dark'" />
    </button>
  `,
})
export class ThemeToggle {
  protected readonly theme = inject(ThemeService);
  protected readonly label = computed(() =>
    this.theme.mode() === 'dark' ? 'Switch to light theme' : 'Switch to dark theme',
  );

  protected toggle(): void {
    this.theme.toggle();
  }
}
