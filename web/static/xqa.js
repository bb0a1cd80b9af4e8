// The page's behaviour that needs no server round trip: citations, the report view, copy, theme, counter.
// Loaded once by Blocks.launch(js=...); every listener is delegated, so re-rendered chat messages keep working.
() => {
  const PHONE = window.matchMedia("(max-width: 700px)");
  const themeKey = "xqa-theme";
  const setTheme = (mode) => document.body.classList.toggle("dark", mode === "dark");
  if (localStorage.getItem(themeKey)) setTheme(localStorage.getItem(themeKey));

  const closeOverlays = () => document.querySelectorAll(".xqa-overlay, .xqa-sheet").forEach((el) => el.remove());

  // A [n] in any answer shows that answer's sources and opens card n; on a phone the card rises as a sheet.
  const showSource = (ref) => {
    const target = [...ref.classList].find((c) => c.startsWith("xqa-to-"));
    const card = target && document.getElementById(target.slice("xqa-to-".length));
    if (!card) return;
    const group = card.closest(".xqa-turn");
    const panel = group.parentElement;
    const newest = group === panel.lastElementChild;
    panel.classList.toggle("xqa-picked", !newest);
    panel.querySelectorAll(".xqa-turn").forEach((g) => g.classList.toggle("xqa-shown", g === group));
    card.open = true;
    if (PHONE.matches) {
      closeOverlays();
      const sheet = document.createElement("div");
      sheet.className = "xqa-sheet xqa-sources";
      sheet.setAttribute("role", "dialog");
      sheet.innerHTML = '<header><strong>引用来源</strong><button type="button" class="xqa-close">关闭</button></header>';
      sheet.appendChild(card.cloneNode(true)).removeAttribute("id");
      document.body.appendChild(sheet);
    } else {
      scrollWithin(card.closest("#xqa-sources-panel"), card);
    }
  };

  // Bring a card into view inside the sources panel only: scrollIntoView also scrolled the page, and a
  // click on a chart point took the chat off the screen.
  const scrollWithin = (box, el) => {
    if (!box) return;
    const outer = box.getBoundingClientRect(), inner = el.getBoundingClientRect();
    if (inner.top < outer.top || inner.bottom > outer.bottom) box.scrollTop += inner.top - outer.top - 8;
  };

  // 在原文中查看: the whole report, scrolled to the passage, evidence marked; it can be downloaded as text.
  const openReport = async (button) => {
    const {chunk, start, end} = button.dataset;
    const doc = await window.xqaServer.read_document(JSON.stringify({chunk, start: +start, end: +end}));
    closeOverlays();
    const overlay = document.createElement("div");
    overlay.className = "xqa-overlay";
    overlay.innerHTML = `<div class="xqa-report" role="dialog" aria-label="报告原文"><header><h2>${doc.title}</h2>
      <button type="button" class="xqa-download">下载全文</button><button type="button" class="xqa-close">关闭</button>
      <div class="xqa-path">所在章节：${doc.path || "（正文）"}</div></header>${doc.html}</div>`;
    overlay.querySelector(".xqa-download").addEventListener("click", () => {
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([doc.plain], {type: "text/plain;charset=utf-8"}));
      link.download = (doc.file || "report").replace(/\.[^.]+$/, "") + ".txt";
      link.click();
      URL.revokeObjectURL(link.href);
    });
    document.body.appendChild(overlay);
    overlay.querySelector("#xqa-here")?.scrollIntoView({block: "center"});
  };

  // 复制: the answer as clean text with its references written out (kept by the answer's source group),
  // instead of the message's HTML and Markdown.  A question's own copy button keeps Gradio's behaviour.
  const COPY = 'button[aria-label="Copy message"], button[aria-label="复制"]';
  // A message's buttons are the row *after* it (message-wrap > row, buttons, row, buttons…), not inside it:
  // climbing to an ancestor holding a message found the whole chat, and every 复制 copied the first answer.
  const messageOf = (button) => {
    const inside = button.closest(".message-row");
    if (inside) return inside;
    let el = button.closest(".message-buttons");
    while (el && !el.classList.contains("message-row")) el = el.previousElementSibling;
    return el;
  };
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest(COPY);
    const keyed = button && messageOf(button)?.querySelector('[class*="xqa-key-"]');
    if (!keyed) return;
    const key = [...keyed.classList].find((c) => c.startsWith("xqa-key-")).slice("xqa-key-".length);
    const group = document.getElementById(`xqa-turn-${key}`);
    if (!group) return;
    event.stopImmediatePropagation();
    event.preventDefault();
    navigator.clipboard.writeText(group.dataset.copy).then(() => {
      button.setAttribute("title", "已复制");
      button.setAttribute("aria-label", "已复制");
      setTimeout(() => { button.setAttribute("title", "复制"); button.setAttribute("aria-label", "复制"); }, 1500);
    });
  }, true);
  // Gradio labels its message buttons and titles its toasts in English whatever the page language (a toast's
  // own title is not shown): say them in Chinese.  The chat's sanitizer drops a chart's viewBox: put it back, so
  // the chart scales to the bubble and shows its whole span.
  const TOAST_TITLES = {Error: "出错了", Warning: "请注意", Info: "提示", Success: "完成"};
  new MutationObserver(() => {
    document.querySelectorAll(".toast-title").forEach((title) => {
      const text = [...title.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && TOAST_TITLES[n.nodeValue.trim()]);
      if (text) text.nodeValue = `${TOAST_TITLES[text.nodeValue.trim()]} `;
    });
    document.querySelectorAll('button[aria-label="Copy message"]').forEach((b) => {
      b.setAttribute("aria-label", "复制");
      b.setAttribute("title", "复制");
    });
    document.querySelectorAll("svg.xqa-chart:not([viewBox])").forEach((svg) => {
      svg.setAttribute("viewBox", `0 0 ${svg.getAttribute("width")} ${svg.getAttribute("height")}`);
    });
  }).observe(document.body, {subtree: true, childList: true});

  document.addEventListener("click", (event) => {
    const t = event.target;
    if (!(t instanceof Element)) return;
    if (t.closest("#xqa-theme")) {
      const mode = document.body.classList.contains("dark") ? "light" : "dark";
      localStorage.setItem(themeKey, mode);
      setTheme(mode);
    } else if (t.closest(".xqa-ref")) {
      showSource(t.closest(".xqa-ref"));
    } else if (t.closest(".xqa-latest")) {
      t.closest(".xqa-panel").classList.remove("xqa-picked");
    } else if (t.closest(".xqa-open")) {
      openReport(t.closest(".xqa-open"));
    } else if (t.closest(".xqa-close") || t.classList.contains("xqa-overlay")) {
      closeOverlays();
    }
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeOverlays(); });
}
