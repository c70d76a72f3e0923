/**
 * @module
 * "Skip to content": the first thing a keyboard reaches on every page, hidden until focused. It
 * moves focus to the page's <main> (made focusable on the fly), past the navigation.
 */
export function SkipLink() {
  return (
    <a
      class="skip-link"
      href="#main"
      onClick={(e) => {
        const main = document.querySelector('main');
        if (!main) return;
        e.preventDefault();
        if (!main.id) main.id = 'main';
        main.setAttribute('tabindex', '-1');
        main.focus();
      }}
    >
      Skip to content
    </a>
  );
}
