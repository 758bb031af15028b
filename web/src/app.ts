import { $ } from './dom.ts';
import { setupImages } from './images.ts';
import { setupLive } from './live.ts';
import { showModelInfo } from './model-panel.ts';
import { setupMode } from './mode.ts';
import { setupVideo } from './video.ts';

/** Tabs with the WAI-ARIA keyboard pattern (←/→/Home/End move between tabs); the hash remembers the view. */
function setupTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
  const select = (tab: HTMLButtonElement, focus = false) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')!).hidden = !on;
    }
    // where the model runs is a choice for images only: videos run on the server, live mode in the page
    $('mode').hidden = tab.id !== 'tab-images';
    if (focus) tab.focus();
    history.replaceState(null, '', `#${tab.id.replace('tab-', '')}`);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      const next =
        e.key === 'ArrowRight'
          ? tabs[(i + 1) % tabs.length]
          : e.key === 'ArrowLeft'
            ? tabs[(i - 1 + tabs.length) % tabs.length]
            : e.key === 'Home'
              ? tabs[0]
              : e.key === 'End'
                ? tabs.at(-1)
                : undefined;
      if (next) {
        e.preventDefault();
        select(next, true);
      }
    });
  });
  const fromHash = tabs.find((t) => t.id === `tab-${location.hash.slice(1)}`);
  if (fromHash) select(fromHash);
}

setupTabs();
const getMode = setupMode();
setupImages(getMode);
setupVideo();
setupLive();
void showModelInfo();
