// The case file's reply draft (ADR 0181): a small progressive enhancement. Without JavaScript
// the draft is kept when "Save draft" or "Insert template" is pressed. With it, a reply box
// changed since the page loaded is also saved (to the same route, encrypted on the server,
// never in the browser) before another form of the page is sent, and when the page is left.
(() => {
  const reply = document.getElementById('reply-form');
  const box = document.getElementById('reply-body');
  const save = document.getElementById('reply-save');
  if (!reply || !box || !save || !window.fetch) return;
  let saved = box.value;
  let leaving = false;
  const payload = () => {
    const data = new URLSearchParams(new FormData(reply));
    data.set('op', 'save');
    return data;
  };
  // The reply form itself: sending or saving keeps nothing more.
  reply.addEventListener('submit', () => {
    leaving = true;
  });
  // Another form (a task, the status…): save the draft first, then send that form as asked.
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (form === reply || leaving || box.value === saved) return;
    event.preventDefault();
    const submitter = event.submitter;
    try {
      await fetch(save.formAction, {
        method: 'POST',
        body: payload(),
        credentials: 'same-origin',
        redirect: 'manual',
      });
      saved = box.value;
    } finally {
      leaving = true;
      form.requestSubmit(submitter ?? undefined);
    }
  });
  // A link or closing the tab: a last save, if anything changed.
  window.addEventListener('pagehide', () => {
    if (leaving || box.value === saved || !navigator.sendBeacon) return;
    navigator.sendBeacon(save.formAction, payload());
    saved = box.value;
  });
})();
